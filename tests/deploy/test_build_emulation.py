"""The image build, emulated: there is no Docker engine here.

The Dockerfile is parsed, its COPY sources are checked against the bake and its .dockerignore,
exactly those files are copied into an empty directory, the Dockerfile's own `uv sync` commands
run there, and its CMD serves /health/live."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from harness.baking import run

from deploy.support import VARIANTS, BakeFn, Stage, chain, dockerignore, stages


def python_for(version: str) -> str:
    """An interpreter of the image's Python version (pyenv's, or one on PATH)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}")):
        return str(candidate)
    found = shutil.which(f"python{version}")
    if not found:
        pytest.fail(f"no Python {version} here; the image is built from python:{version}-slim")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stage_env(stage_chain: list[Stage], app_dir: Path) -> dict[str, str]:
    """The ENV lines of the stages, with /app pointed at the emulation directory."""
    env: dict[str, str] = {}
    for stage in stage_chain:
        for value in stage.values("ENV"):
            for pair in shlex.split(value):
                key, _, val = pair.partition("=")
                env[key] = val.replace("/app", str(app_dir))
    env.pop("UV_CACHE_DIR", None)  # share the session's uv cache
    env["PATH"] = env.get("PATH", "$PATH").replace("$PATH", os.environ["PATH"])
    return env


def copy_from_context(context: Path, sources: list[str], dest: Path, excluded: Callable[[str], bool]) -> None:
    """COPY as Docker does it: a directory's contents land under dest, minus .dockerignore'd files."""
    for source in sources:
        origin = context / source
        assert origin.exists(), f"COPY {source}: not in the build context"
        assert not excluded(source), f"COPY {source}: excluded by .dockerignore"
        if origin.is_file():
            target = dest / origin.name if len(sources) > 1 or str(dest).endswith("/") else dest
            target = dest / origin.name if dest.is_dir() else target
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
            continue
        for path in origin.rglob("*"):
            relative = path.relative_to(context).as_posix()
            if path.is_file() and not excluded(relative):
                target = dest / path.relative_to(origin)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def to_app(dest: str, app_dir: Path) -> Path:
    """A Dockerfile destination (relative to WORKDIR /app, or absolute under /app) in app_dir."""
    if dest.startswith("/app"):
        dest = dest.removeprefix("/app").lstrip("/")
    return app_dir / dest if dest not in ("", ".", "./") else app_dir


@contextmanager
def serving(cmd: list[str], cwd: Path, env: Mapping[str, str], log: Path) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_200(url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} never answered 200; server log:\n{log.read_text()[-4000:]}")


@pytest.mark.runtime
@pytest.mark.parametrize("variant", ["default", "bare-sqlite"])
def test_build_emulation_serves_health_live(bake: BakeFn, variant: str, tmp_path: Path) -> None:
    """Build the runtime target without an engine, then run its CMD and its HEALTHCHECK."""
    baked = bake(**VARIANTS[variant])
    context = tmp_path / "context"
    shutil.copytree(baked.path, context, symlinks=True)
    env = {"UV_PYTHON": python_for(str(baked.answers["python_version"]))}
    # The bake's own lock, as shipped: the builder's `uv sync --locked` below refuses a stale one.
    assert (context / "uv.lock").is_file()

    all_stages = stages(context / "Dockerfile")
    final = all_stages[-1]
    build_chain = chain(all_stages, final.name)
    assert [s.name for s in build_chain] == ["base", "builder", "runtime"]
    excluded = dockerignore(context)
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    uv_env = {**stage_env(build_chain, app_dir), **env}
    for stage in build_chain:
        if stage is final:
            # A fresh stage: only what it copies from the builder survives (here: the venv).
            kept = {
                to_app(shlex.split(v)[-1], app_dir) for v in stage.values("COPY") if "--from=builder" in v
            }
            assert kept == {app_dir / ".venv"}
            for path in app_dir.iterdir():
                if path not in kept:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        for item in stage.instructions:
            if item["instruction"] == "COPY" and "--from=" not in item["value"]:
                words = [w for w in shlex.split(item["value"]) if not w.startswith("--")]
                copy_from_context(context, words[:-1], to_app(words[-1], app_dir), excluded)
            elif item["instruction"] == "RUN" and stage.name == "builder":
                command = [w for w in shlex.split(item["value"]) if not w.startswith("--mount=")]
                assert command[:2] == ["uv", "sync"], f"unexpected builder step: {command}"
                run(command, cwd=app_dir, env=uv_env)
    assert not (app_dir / "src").exists(), "the runtime stage must not need the source tree"
    assert (app_dir / ".venv/bin/uvicorn").exists()

    port = free_port()
    cmd = json.loads(final.values("CMD")[-1])
    cmd[cmd.index("--port") + 1] = str(port)
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    runtime_env = {
        **os.environ,
        **stage_env(build_chain, app_dir),
        "SECRET_KEY": secrets.token_hex(32),
    }
    runtime_env.pop("VIRTUAL_ENV", None)
    if "postgresql" in baked.features:
        # Liveness needs no database: point at a port nothing listens on.
        runtime_env["DATABASE_URL"] = "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none"
    if "sqlite" in baked.features:
        (app_dir / "data").mkdir()
        runtime_env["DATABASE_URL"] = f"sqlite+aiosqlite:///{app_dir}/data/app.db"
    if "redis" in baked.features:
        runtime_env["REDIS_URL"] = "redis://127.0.0.1:9/0"
    if "email" in baked.features:
        # Production refuses Mailpit and links to localhost; liveness sends no mail.
        runtime_env |= {"SMTP_HOST": "smtp.example.net", "FRONTEND_URL": "https://app.example.com"}
    assert runtime_env["ENVIRONMENT"] == "production"
    log = tmp_path / "uvicorn.log"
    with serving(cmd, app_dir, runtime_env, log):
        wait_for_200(f"http://127.0.0.1:{port}/health/live", log)
        healthcheck = final.values("HEALTHCHECK")[0]
        probe = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
        probe = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in probe]
        proc = subprocess.run(probe, cwd=app_dir, env=runtime_env, capture_output=True, timeout=30)
        assert proc.returncode == 0, f"HEALTHCHECK failed: {proc.stderr.decode()[-2000:]}"
