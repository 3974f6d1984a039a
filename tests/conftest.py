"""Fixtures for the template's tests: baked variants (pytest-cookies) and real servers."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import summary
from harness.baking import Baked, rules, variant_id
from harness.rabbitmq import rabbitmq
from harness.services import Postgres, Redis

BakeFn = Callable[..., Baked]
pytest_plugins = [
    "harness.sharding",  # --shard i/n for CI runners
    "harness.grouping",  # fails the run if `--dist loadgroup` stops grouping
]


def pytest_configure(config: pytest.Config) -> None:
    # Only the controlling process owns the summary file; xdist workers inherit the variable.
    if not hasattr(config, "workerinput") and summary.SUMMARY_ENV not in os.environ:
        fd, path = tempfile.mkstemp(prefix="template-summary-", suffix=".jsonl")
        os.close(fd)
        os.environ[summary.SUMMARY_ENV] = path
        config.stash[_summary_key] = (Path(path), time.monotonic())


_summary_key = pytest.StashKey[tuple[Path, float]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _summary_key not in config.stash:
        return
    path, started = config.stash[_summary_key]
    rows = summary.read(path)
    path.unlink(missing_ok=True)
    if rows:
        terminalreporter.section("variant summary")
        for line in summary.table(rows):
            terminalreporter.write_line(line)
    if drills := summary.drill_lines(rows):
        terminalreporter.section("drill summary")
        for line in drills:
            terminalreporter.write_line(line)
    if built := summary.drill_lines(rows, layer="image-size"):
        terminalreporter.section("image summary")
        for line in built:
            terminalreporter.write_line(line)
    terminalreporter.write_line(f"wall time: {time.monotonic() - started:.1f} s")


@pytest.fixture(scope="session", autouse=True)
def private_tempdir() -> Iterator[Path]:
    """cookiecutter leaks two rendered hook files (tmp*.py) per bake into the temp dir: keep them
    in a private one and remove it at the end, so the machine is left clean."""
    path = Path(tempfile.mkdtemp(prefix="template-tests-"))
    previous = tempfile.tempdir
    tempfile.tempdir = str(path)
    yield path
    tempfile.tempdir = previous
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def bake(cookies_session: Any, private_tempdir: Path) -> BakeFn:
    """`bake(**overrides)` bakes a variant once per session and returns it; failures raise."""
    cache: dict[str, Baked] = {}

    def _bake(**overrides: Any) -> Baked:
        key = variant_id(overrides)
        if key not in cache:
            with summary.timed(key, "bake"):
                result = cookies_session.bake(extra_context=overrides)
                if result.exception is not None:
                    raise AssertionError(f"bake of {key} failed: {result.exception!r}")
                assert result.exit_code == 0, f"bake of {key} exited {result.exit_code}"
            answers = {**rules.DEFAULTS, **result.context}
            cache[key] = Baked(path=Path(result.project_path), answers=answers)
        return cache[key]

    return _bake


@dataclass
class Services:
    postgres: Postgres
    redis: Redis
    stack: contextlib.ExitStack
    _rabbitmq_url: str | None = None

    def database_name(self, name: str) -> str:
        """A database name per variant and xdist worker: readable prefix, hash against clashes."""
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        safe = "".join(ch if ch.isalnum() else "_" for ch in name)[:24].lower()
        digest = hashlib.sha1(f"{name}/{worker}".encode(), usedforsecurity=False).hexdigest()[:8]
        return f"v_{safe}_{digest}"

    def env_for(self, name: str) -> dict[str, str]:
        """DATABASE_URL (a fresh database) and REDIS_URL (a fresh numbered db) for one variant."""
        return {
            "DATABASE_URL": self.postgres.create_database(self.database_name(name)),
            "REDIS_URL": self.redis.url(),
        }

    def rabbitmq_url(self) -> str:
        """A RabbitMQ for this test process, started on first use (it takes a few seconds)."""
        if self._rabbitmq_url is None:
            self._rabbitmq_url = self.stack.enter_context(rabbitmq())
        return self._rabbitmq_url

    def variant_env(self, baked: Baked, name: str) -> dict[str, str]:
        """What one bake needs to run its tests and serve: only the services its features use."""
        env = {"ENVIRONMENT": "test", "SECRET_KEY": secrets.token_hex(32)}
        if "postgresql" in baked.features:
            env["DATABASE_URL"] = self.postgres.create_database(self.database_name(name))
        if "sqlite" in baked.features:
            env["DATABASE_URL"] = f"sqlite+aiosqlite:///{baked.path / 'runtime.db'}"
        if "redis" in baked.features:
            env["REDIS_URL"] = self.redis.url()
        if "broker_rabbitmq" in baked.features:
            env["CELERY_BROKER_URL"] = self.rabbitmq_url()
        return env

    def app_env(self, name: str) -> dict[str, str]:
        """`env_for(name)` plus what a baked app needs to run in tests: ENVIRONMENT and a fresh key."""
        return {**self.env_for(name), "ENVIRONMENT": "test", "SECRET_KEY": secrets.token_hex(32)}


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    """Real PostgreSQL and Redis (and RabbitMQ on first use) for this test process, stopped at the end."""
    with Postgres.start() as postgres, Redis.start() as redis_server, contextlib.ExitStack() as stack:
        yield Services(postgres=postgres, redis=redis_server, stack=stack)
