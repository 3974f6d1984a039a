"""Runtime layer: a baked variant installs, type-checks, migrates, passes its own tests against the
real PostgreSQL and Redis, and serves /health/ready under uvicorn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from conftest import Services
from harness import summary
from harness.baking import Baked, run, sync, variant_id
from harness.serving import serving

BakeFn = Callable[..., Baked]

RUNTIME_VARIANTS: list[dict[str, object]] = [{}]


@pytest.mark.runtime
@pytest.mark.parametrize("overrides", RUNTIME_VARIANTS, ids=variant_id)
def test_variant_runs_for_real(bake: BakeFn, services: Services, overrides: dict[str, object]) -> None:
    baked = bake(**overrides)
    name = variant_id(overrides)
    env = services.app_env(name)
    path: Path = baked.path

    with summary.timed(name, "sync"):
        sync(path, env)
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
