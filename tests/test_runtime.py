"""Runtime layer: each variant of a pairwise covering set installs, type-checks, migrates, passes its
own tests against real PostgreSQL / Redis / RabbitMQ, serves /health/ready under uvicorn, and, with a
worker, runs a task on a real Celery worker started with the documented command."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import Services
from harness import matrix, summary
from harness.api import client_for
from harness.baking import Baked, interpreter, rules, run, sync, variant_id
from harness.serving import s3_store, serving
from harness.worker import celery_worker, run_job_through_the_api

BakeFn = Callable[..., Baked]

RUNTIME_VARIANTS = matrix.runtime_variants()


@pytest.mark.runtime
@pytest.mark.parametrize("overrides", RUNTIME_VARIANTS, ids=variant_id)
def test_variant_runs_for_real(bake: BakeFn, services: Services, overrides: dict[str, Any]) -> None:
    baked = bake(**overrides)
    name = variant_id(overrides)
    env = services.variant_env(baked, name)
    path = baked.path
    uv_run = ["uv", "run", "--no-sync"]

    version = str(baked.answers["python_version"])
    python = interpreter(version)
    if python is None:
        # The version sets the image base and CI; the code runs on 3.11+. Say so rather than hide it.
        summary.record(name, "python", 0, "passed", f"python {version} is not installed here")
    with summary.timed(name, "sync"):
        sync(path, env, python)
    if python is not None:
        ran = run([*uv_run, "python", "-c", "import sys; print(sys.version[:4])"], cwd=path, env=env)
        assert ran.stdout.strip() == version
    with summary.timed(name, "mypy"):
        run([*uv_run, "mypy"], cwd=path, env=env)
    if "db" in baked.features:
        with summary.timed(name, "migrate"):
            for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"], ["check"]):
                run([*uv_run, "alembic", *step], cwd=path, env=env)
    with summary.timed(name, "tests"):
        # -v names each test as it starts, so a hang's report says which test it was.
        run([*uv_run, "pytest", "-v", "-p", "no:cacheprovider"], cwd=path, env=env)
    with summary.timed(name, "serve"), contextlib.ExitStack() as stack:
        if "celery" in baked.features:
            hostname = f"tmpl-{uuid.uuid4().hex[:8]}@localhost"
            worker_log = stack.enter_context(celery_worker(baked, env, hostname))
        if "storage" in baked.features:
            env = {**env, **stack.enter_context(s3_store(baked, env))}
        base = stack.enter_context(serving(baked, env))
        ready = httpx.get(f"{base}/health/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        checks = ready.json()["checks"]
        expected = {"database"} if "db" in baked.features else set()
        expected |= {"redis"} if "redis" in baked.features else set()
        expected |= {"broker"} if "celery" in baked.features else set()
        expected |= {"storage"} if "storage" in baked.features else set()
        assert set(checks) == expected, checks
        assert all(entry["status"] == "ok" for entry in checks.values()), checks
        if "celery" in baked.features:
            ping = run(
                [*uv_run, "celery", "-A", f"{baked.package}.worker", "inspect", "ping",
                 "--destination", hostname, "--timeout", "10"],
                cwd=path, env=env, timeout=60,
            )  # fmt: skip
            assert "pong" in ping.stdout, ping.stdout + ping.stderr
        if "jobs" in baked.features:
            with contextlib.closing(client_for(baked, base)) as client:
                run_job_through_the_api(client, worker_log)
    if "devcontainer" in baked.features:
        # The dev container's post-create command as the editor runs it, on the same services.
        devcontainer = json.loads((path / ".devcontainer" / "devcontainer.json").read_text())
        with summary.timed(name, "devcontainer"):
            run(["sh", "-c", devcontainer["postCreateCommand"]], cwd=path,
                env={**env, **({"UV_PYTHON": python} if python else {})})  # fmt: skip


def test_runtime_set_is_pairwise_over_the_code_options() -> None:
    """The runtime rows (defaults filled in) cover every pair of option values that has an effect."""
    rows = [{**rules.DEFAULTS, **row} for row in RUNTIME_VARIANTS]
    assert matrix.uncovered(rows, matrix.RUNTIME_AXES, 2, allow=matrix.effective) == set()
    assert {} in RUNTIME_VARIANTS
    assert len(RUNTIME_VARIANTS) <= 16  # the layer's budget: about 1.5 min a variant on 2 cores
