"""Liveness and readiness.

`/health/live` says the process answers. `/health/ready` runs every registered check at once, each
under its own timeout, and answers 503 if any fails. Add a dependency with
`app.state.health_checks.register("broker", check_broker)` where `check_broker(state)` raises on
failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.responses import JSONModelResponse

HealthCheck = Callable[[State], Awaitable[object]]
Status = Literal["ok", "fail"]


class CheckResult(BaseModel):
    """One dependency: its status, how long the check took, and why it failed."""

    status: Status
    latency_ms: float
    error: str | None = None


class LiveResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    status: Status
    checks: dict[str, CheckResult]


class HealthChecks:
    """A registry of named readiness checks."""

    def __init__(self, timeout: float = 1.0) -> None:
        self.timeout = timeout
        self._checks: dict[str, HealthCheck] = {}

    def register(self, name: str, check: HealthCheck) -> None:
        """Add (or replace) the check called `name`."""
        self._checks[name] = check

    @property
    def names(self) -> list[str]:
        """The registered check names, in registration order."""
        return list(self._checks)

    async def _run_one(self, check: HealthCheck, state: State) -> CheckResult:
        started = time.perf_counter()
        error: str | None = None
        try:
            await asyncio.wait_for(check(state), timeout=self.timeout)
        except TimeoutError:
            error = f"timed out after {self.timeout:g}s"
        except Exception as exc:  # a failing dependency is a result, not a crash
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        if error is None:
            return CheckResult(status="ok", latency_ms=latency_ms)
        return CheckResult(status="fail", latency_ms=latency_ms, error=error)

    async def run(self, state: State) -> ReadyResponse:
        """Run every check concurrently."""
        results = await asyncio.gather(
            *(self._run_one(check, state) for check in self._checks.values())
        )
        checks = dict(zip(self._checks, results, strict=True))
        status: Status = "ok" if all(r.status == "ok" for r in results) else "fail"
        return ReadyResponse(status=status, checks=checks)


router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=LiveResponse)
async def live() -> JSONModelResponse:
    """The process is up and serving requests."""
    # Probes call this every few seconds: the answer is always the same, so it is built once.
    return JSONModelResponse(LIVE_BODY)


LIVE_BODY = LiveResponse().model_dump_json()


@router.get(
    "/ready",
    response_model=ReadyResponse,
    responses={503: {"model": ReadyResponse, "description": "A dependency is failing"}},
)
async def ready(request: Request, response: Response) -> ReadyResponse:
    """Every dependency answers; 503 with the failing entries otherwise."""
    health_checks: HealthChecks = request.app.state.health_checks
    result = await health_checks.run(request.app.state)
    if result.status != "ok":
        response.status_code = 503
    return result
