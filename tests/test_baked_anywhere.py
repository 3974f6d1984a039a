"""A fresh bake's own commands work on a machine that has no services running and no uv.

`make test` with nothing listening either starts throwaway PostgreSQL and Redis servers from the
machine's binaries (and removes them), or stops at once with one line that says what to set or
start. The baked Makefile installs uv into .tools/ when uv is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import summary
from harness.baking import Baked, clean_env

BakeFn = Callable[..., Baked]
pytestmark = pytest.mark.runtime
MAKE_TEST_TIMEOUT_S = 420


def _fresh_copy(baked: Baked, into: Path) -> Path:
    project = into / baked.path.name
    shutil.copytree(baked.path, project, ignore=shutil.ignore_patterns(".venv", ".tools"))
    return project


@pytest.fixture
def closed_ports() -> Iterator[tuple[int, int]]:
    """Two ports that refuse connections for the whole test: bound, never listening.

    A port that is merely free when chosen can be taken by another test's server before the bake's
    tests probe it; then they would talk to a stranger instead of starting their own servers.
    """
    sockets = [socket.socket(), socket.socket()]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    yield sockets[0].getsockname()[1], sockets[1].getsockname()[1]
    for sock in sockets:
        sock.close()


def _nothing_listening(tmp: Path, ports: tuple[int, int]) -> dict[str, str]:
    """The environment of a machine where .env's servers are not running (closed ports)."""
    env = clean_env()
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    postgres_port, redis_port = ports
    env["DATABASE_URL"] = f"postgresql+asyncpg://postgres:postgres@127.0.0.1:{postgres_port}/my_service"
    env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    env["TMPDIR"] = str(tmp)  # where the throwaway servers live: checked empty afterwards
    return env


def _run_logged(
    args: list[str], cwd: Path, env: dict[str, str], log: Path, timeout: float
) -> tuple[int, str]:
    """Run `args` with its output in `log`. On timeout, kill its process group and fail with what it
    printed last and which of its processes were still alive, so a hang names its place."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            returncode = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            alive = subprocess.run(["ps", "-o", "pid,etime,args", "--no-headers", "-s", str(proc.pid)],
                                   capture_output=True, text=True, check=False).stdout  # fmt: skip
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            tail = log.read_text(errors="replace")[-6000:]
            command = " ".join(args)
            pytest.fail(f"{command} still ran after {timeout:.0f} s. Alive:\n{alive}\nLast output:\n{tail}")
    return returncode, log.read_text(errors="replace")


def test_make_test_starts_throwaway_servers_and_removes_them(
    bake: BakeFn, tmp_path: Path, request: pytest.FixtureRequest, closed_ports: tuple[int, int]
) -> None:
    project = _fresh_copy(bake(), tmp_path)
    # Not under tmp_path (private to this user): PostgreSQL runs as `postgres` when we are root.
    servers_tmp = Path(tempfile.mkdtemp(prefix="anywhere-", dir="/tmp"))
    servers_tmp.chmod(0o1777)
    request.addfinalizer(lambda: shutil.rmtree(servers_tmp, ignore_errors=True))
    env = _nothing_listening(servers_tmp, closed_ports)
    started = time.monotonic()
    returncode, output = _run_logged(
        ["make", "test"], project, env, tmp_path / "make-test.log", MAKE_TEST_TIMEOUT_S
    )
    result = "passed" if returncode == 0 else "failed"
    summary.record("default", "make-test", time.monotonic() - started, result)
    assert returncode == 0, output[-4000:]
    assert " passed" in output
    assert " failed" not in output.splitlines()[-1]
    leftovers = [
        p.name for p in servers_tmp.iterdir() if p.name.startswith(("test-postgres-", "test-redis-"))
    ]
    assert leftovers == [], "the throwaway servers' folders are removed at exit"
    running = subprocess.run(["pgrep", "-f", str(servers_tmp)], capture_output=True, text=True, check=False)
    assert running.stdout == "", f"a throwaway server still runs: {running.stdout}"


def test_make_test_stops_in_one_line_when_it_cannot_start_servers(
    bake: BakeFn, tmp_path: Path, closed_ports: tuple[int, int]
) -> None:
    project = _fresh_copy(bake(), tmp_path)
    env = {**_nothing_listening(tmp_path, closed_ports), "TEST_START_SERVERS": "0"}
    subprocess.run(["uv", "sync", "--locked", "--quiet"], cwd=project, env=env, check=True)
    started = time.monotonic()
    proc = subprocess.run(
        ["make", "test"], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    elapsed = time.monotonic() - started
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert elapsed < 20, f"took {elapsed:.1f} s to say what is missing"
    said = [line for line in output.splitlines() if "The tests need" in line]
    assert len(said) == 1, output[-3000:]
    line = said[0]
    for needed in ("PostgreSQL", "Redis", "TEST_DATABASE_URL", "TEST_REDIS_URL", "make services"):
        assert needed in line, line
    assert "Traceback" not in output
    assert "ConnectionRefused" not in output
    assert " passed" not in output


def test_makefile_installs_uv_when_it_is_missing(bake: BakeFn, tmp_path: Path) -> None:
    project = _fresh_copy(bake(database="sqlite", worker="none", cache="none"), tmp_path)
    without_uv = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "uv").exists()]
    env = {**clean_env(), "PATH": os.pathsep.join(without_uv)}
    env.pop("UV", None)  # `uv run` names itself here, and the Makefile would take it
    assert shutil.which("uv", path=env["PATH"]) is None
    assert shutil.which("python3", path=env["PATH"]), "a python3 without uv beside it (Debian's)"
    first = subprocess.run(["make", "install"], cwd=project, env=env, capture_output=True, text=True,
                           timeout=300, check=False)  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert "pip install --quiet uv" in first.stdout
    uv = project / ".tools/bin/uv"
    assert uv.is_file()
    assert (project / ".venv").is_dir()
    installed_at = uv.stat().st_mtime
    second = subprocess.run(["make", "lint"], cwd=project, env=env, capture_output=True, text=True,
                            timeout=300, check=False)  # fmt: skip
    assert second.returncode == 0, second.stdout + second.stderr
    assert "pip install" not in second.stdout, "uv is installed once"
    assert ".tools/bin/uv run ruff check ." in second.stdout
    assert uv.stat().st_mtime == installed_at
