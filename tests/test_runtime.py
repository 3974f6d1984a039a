"""Runtime layer: a baked variant installs, type-checks, migrates, passes its own tests against the
real PostgreSQL and Redis, and serves /health/ready under uvicorn."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from conftest import Services
from harness import summary
from harness.baking import Baked, clean_env, run, variant_id
from harness.services import free_port

BakeFn = Callable[..., Baked]

RUNTIME_VARIANTS: list[dict[str, object]] = [{}]


@contextlib.contextmanager
def serving(baked: Baked, env: Mapping[str, str]) -> Iterator[str]:
    """uvicorn on a free port, exactly as the contract says; yields the base URL."""
    port = free_port()
    log = baked.path / "uvicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["uv", "run", "--no-sync", "uvicorn", f"{baked.package}.main:app", "--port", str(port)],
            cwd=baked.path,
            env=clean_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"uvicorn exited:\n{log.read_text()[-4000:]}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health/live", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError(f"uvicorn did not serve /health/live:\n{log.read_text()[-4000:]}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def runtime_env(services: Services, name: str) -> dict[str, str]:
    return {
        **services.env_for(name),
        "ENVIRONMENT": "test",
        "SECRET_KEY": secrets.token_hex(32),
    }


@pytest.mark.runtime
@pytest.mark.parametrize("overrides", RUNTIME_VARIANTS, ids=variant_id)
def test_variant_runs_for_real(bake: BakeFn, services: Services, overrides: dict[str, object]) -> None:
    baked = bake(**overrides)
    name = variant_id(overrides)
    env = runtime_env(services, name)
    path: Path = baked.path

    with summary.timed(name, "sync"):
        run(["uv", "sync", "--frozen" if (path / "uv.lock").exists() else "--quiet"], cwd=path, env=env)
    with summary.timed(name, "mypy"):
        run(["uv", "run", "--no-sync", "mypy"], cwd=path, env=env)
    if "db" in baked.features:
        with summary.timed(name, "migrate"):
            alembic = ["uv", "run", "--no-sync", "alembic"]
            run([*alembic, "upgrade", "head"], cwd=path, env=env)
            run([*alembic, "downgrade", "base"], cwd=path, env=env)
            run([*alembic, "upgrade", "head"], cwd=path, env=env)
            run([*alembic, "check"], cwd=path, env=env)
    with summary.timed(name, "tests"):
        run(["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], cwd=path, env=env)
    with summary.timed(name, "serve"), serving(baked, env) as base:
        ready = httpx.get(f"{base}/health/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        checks = ready.json()["checks"]
        expected = {"database"} if "db" in baked.features else set()
        expected |= {"redis"} if "redis" in baked.features else set()
        assert expected <= set(checks), checks
        assert all(entry["status"] == "ok" for entry in checks.values()), checks
