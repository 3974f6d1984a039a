"""What each middleware layer costs per request: `/health/live` with one layer removed at a time."""

from __future__ import annotations

from pathlib import Path

from .constants import BENCH_DIR
from .load import Load, wrk
from .results import MiddlewareRow
from .servers import settle, started, uvicorn_args, wait_ready

AB_DIR = BENCH_DIR / "ab"
# (what is removed, AB_DROP, whether uvicorn keeps --proxy-headers)
VARIANTS: tuple[tuple[str, str, bool], ...] = (
    ("nothing (as shipped)", "", True),
    ("CORSMiddleware", "CORSMiddleware", True),
    (
        "RequestContextMiddleware (request id, security headers, access line, 500)",
        "RequestContextMiddleware",
        True,
    ),
    ("uvicorn --proxy-headers", "", False),
)


def middleware_ab(
    venv: Path, project: Path, env: dict[str, str], package: str, load: Load, connections: int, logs: Path
) -> list[MiddlewareRow]:
    """One 1-worker server per variant, each driven on `/health/live` like the main runs."""
    rows: list[MiddlewareRow] = []
    for removed, drop, proxy_headers in VARIANTS:
        args = uvicorn_args(venv, "ab_app:app", load.port, 1)
        if not proxy_headers:
            args.remove("--proxy-headers")
        ab_env = {**env, "AB_PACKAGE": package, "AB_DROP": drop, "PYTHONPATH": str(AB_DIR)}
        log = logs / f"ab-{len(rows)}.log"
        with started(args, cwd=project, env=ab_env, log=log) as proc:
            wait_ready(load.port, proc, log)
            if load.warmup:
                wrk(load, "health", connections, load.warmup)
                settle(load.port)
            result = wrk(load, "health", connections, load.duration)
        rows.append({"removed": removed, "rps": result["rps"], "p99_ms": result["p99_ms"]})
        print(f"  without {removed:<40.40} {result['rps']:>8.0f} req/s", flush=True)
    return rows
