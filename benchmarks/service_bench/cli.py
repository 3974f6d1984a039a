"""The command line, and one whole run: bake, install, seed, drive, report."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from harness.baking import TEMPLATE_ROOT, clean_env, interpreter, run
from harness.services import Postgres, Redis, free_port

from . import results as results_io
from .celery_runs import CeleryCounts, celery_floor, celery_service
from .constants import (
    CELERY_DRAIN_JOBS,
    CELERY_ROUND_TRIPS,
    COLD_STARTS,
    FLOOR_DIR,
    ITEMS_PER_USER,
    LIVE_ROUND_TRIPS,
    QUIET_LOG_SCENARIOS,
    RESULTS_DIR,
    SCENARIOS,
    TOKEN_USERS,
    USERS,
)
from .data import login_tokens, password_cost, plain_url, seed, write_load_data
from .live import live_round_trips
from .load import Load, Profiling, drive
from .memory import rss_by_import
from .middleware_ab import middleware_ab
from .provision import bake, install, machine, template_layers, versions
from .report import chart, pair_rows, ratio, table, targets
from .results import Results
from .servers import started, uvicorn_args, wait_ready, worker_rss
from .tracing import TRACING_SCENARIOS, tracing_rows
from .tracing import VARIANTS as TRACING_VARIANTS


def parse_args(argv: Sequence[str] | None, description: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per scenario (default 1)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn worker counts")
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64], help="wrk connection counts")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--skip-celery", action="store_true", help="skip the Celery round trip")
    parser.add_argument(
        "--skip-middleware-ab", action="store_true", help="skip the A/B of the middleware layers"
    )
    parser.add_argument(
        "--skip-quiet-logs",
        action="store_true",
        help="skip the LOG_LEVEL=WARNING rows (what the access line costs)",
    )
    parser.add_argument(
        "--skip-tracing",
        action="store_true",
        help="skip the tracing rows (a bake with use_opentelemetry=true, off and sampled)",
    )
    parser.add_argument(
        "--tracing-only",
        action="store_true",
        help="after the setup, run only the tracing rows (and the main scenarios given, briefly)",
    )
    parser.add_argument(
        "--skip-websockets",
        action="store_true",
        help="skip the WebSocket round trips (a bake with use_websockets=true, and the floor's)",
    )
    parser.add_argument(
        "--websockets-only",
        action="store_true",
        help="after the setup, run only the WebSocket round trips (and the main scenarios given, briefly)",
    )
    parser.add_argument(
        "--live-round-trips",
        type=int,
        default=LIVE_ROUND_TRIPS,
        help=f"WebSocket round trips timed per server (default {LIVE_ROUND_TRIPS})",
    )
    parser.add_argument(
        "--celery-jobs", type=int, default=CELERY_DRAIN_JOBS, help="jobs per queue drain (default 500)"
    )
    parser.add_argument(
        "--celery-round-trips", type=int, default=CELERY_ROUND_TRIPS, help="round trips timed (default 300)"
    )
    parser.add_argument(
        "--template-layers",
        action="store_true",
        help="also time the template's static and runtime test layers (slow)",
    )
    parser.add_argument(
        "--layers-only",
        action="store_true",
        help="only time the template's test layers and add them to the latest results (no HTTP load)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bake and the logs (path printed)")
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help="where to write the results (default benchmarks/results; latest.* only there)",
    )
    parser.add_argument(
        "--project", type=Path, help="benchmark this baked project instead of baking the default one"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="flame graphs (py-spy) of service and floor with 1 worker, one per scenario, "
        "into <results-dir>/profiles/",
    )
    return parser.parse_args(argv)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def add_layers_to_latest() -> int:
    """Time the template's test layers and record them beside the latest benchmark's figures."""
    latest = RESULTS_DIR / "latest.json"
    results = results_io.load(latest)
    print("timing the template's static and runtime test layers ...", flush=True)
    results["template_layers"] = template_layers()
    results["template_layers_date"] = now()
    results_io.save(results, latest)
    report = table(results)
    (RESULTS_DIR / "latest.md").write_text(report + "\n")
    print("\n" + report + "\n")
    return 0


def main(argv: Sequence[str] | None = None, description: str | None = None) -> int:
    args = parse_args(argv, description)
    if args.layers_only:
        return add_layers_to_latest()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (or brew install wrk)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    logs = workdir / "logs"
    logs.mkdir()
    try:
        return benchmark(args, workdir, logs)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# One side of a comparison: its name, its command for (workers, port), its environment, its folder.
Side = tuple[str, Callable[[int, int], list[str]], dict[str, str], Path]


def start_sides(
    servers: contextlib.ExitStack, sides: Sequence[Side], workers: int, logs: Path, label: str
) -> dict[str, tuple[subprocess.Popen[bytes], int]]:
    """Start each side's server (stopped when `servers` closes), wait until it answers; each one's
    process and port."""
    running = {}
    for name, command, app_env, cwd in sides:
        port, log = free_port(), logs / f"{name}-{label}.log"
        proc = servers.enter_context(started(command(workers, port), cwd=cwd, env=app_env, log=log))
        wait_ready(port, proc, log)
        running[name] = (proc, port)
    return running


def service_env(secret: str, database_url: str, redis_url: str) -> dict[str, str]:
    return clean_env(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": secret,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            # The load logs in as the same few users thousands of times: lift the login rate limit
            # (the limiter still runs) and let tokens outlive the run.
            "LOGIN_RATE_LIMIT": "1000000000",
            "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
            # Production refuses the development mail settings. No scenario sends mail (the
            # users are seeded straight into the database), so these only need to pass.
            "SMTP_HOST": "smtp.invalid",
            "SMTP_PORT": "587",
            "FRONTEND_URL": "https://app.invalid",
        }
    )


def benchmark(args: argparse.Namespace, workdir: Path, logs: Path) -> int:
    results: Results = {
        "date": now(),
        "machine": machine(),
        "load_average_at_start": list(os.getloadavg()),
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "workers": args.workers,
            "connections": args.connections,
            "users": USERS,
            "items": USERS * ITEMS_PER_USER,
            "celery_jobs": args.celery_jobs,
            "celery_round_trips": args.celery_round_trips,
        },
    }
    print(f"baking the default variant into {workdir} ...", flush=True)
    project, results["bake_seconds"] = bake(workdir / "bake")
    if args.project:
        project = args.project.resolve()
        results["project"] = str(project)
    package = project.name.replace("-", "_")
    venv = workdir / "venv"
    python_version = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())["python_version"][0]
    print("installing production dependencies into an empty venv ...", flush=True)
    results["install"] = install(project, venv, interpreter(python_version))
    results["versions"] = versions(venv)

    with Postgres.start() as postgres, Redis.start() as redis_server:
        database_url = postgres.create_database("bench")
        dsn = plain_url(database_url)
        service_redis, floor_redis = redis_server.url(), redis_server.url()
        secret, password = secrets.token_hex(32), secrets.token_hex(12)
        env = service_env(secret, database_url, service_redis)
        floor_env = clean_env({"SECRET_KEY": secret, "FLOOR_DSN": dsn, "PYTHONPATH": str(FLOOR_DIR)})
        run([str(venv / "bin/alembic"), "upgrade", "head"], project, env)
        results["argon2"] = password_cost(venv, project, env, package, password)
        results["rss_by_import"] = rss_by_import(venv, project, env, package)
        print(f"seeding {USERS} users and {USERS * ITEMS_PER_USER} items ...", flush=True)
        seed(dsn, results["argon2"].pop("hash"))

        def service_cmd(workers: int, port: int) -> list[str]:
            return uvicorn_args(venv, f"{package}.main:app", port, workers)

        def floor_cmd(workers: int, port: int) -> list[str]:
            return uvicorn_args(venv, "floor_api:app", port, workers)

        sides = (("service", service_cmd, env, project), ("floor", floor_cmd, floor_env, FLOOR_DIR))
        cold: dict[str, list[float]] = {"service": [], "floor": []}
        for _ in range(COLD_STARTS):
            for name, command, app_env, cwd in sides:
                port, log = free_port(), logs / f"{name}-cold.log"
                with started(command(1, port), cwd=cwd, env=app_env, log=log) as proc:
                    cold[name].append(wait_ready(port, proc, log, poll_s=0.002))
        results["cold_start"] = {
            "service_s": round(statistics.median(cold["service"]), 3),
            "floor_s": round(statistics.median(cold["floor"]), 3),
            "samples": cold,
        }

        data = workdir / "load.tsv"
        results["http"], results["rss_mib"] = [], {}
        token = ""
        for workers in args.workers:
            print(f"service and floor: uvicorn with {workers} worker(s)", flush=True)
            with contextlib.ExitStack() as servers:
                running = start_sides(servers, sides, workers, logs, f"{workers}w")
                procs = {name: proc for name, (proc, _) in running.items()}
                loads = {
                    name: Load(port, data, password, args.duration, args.warmup)
                    for name, (_, port) in running.items()
                }
                time.sleep(1.0 if workers > 1 else 0)  # let every worker finish starting
                if not data.exists():
                    tokens = login_tokens(loads["service"].port, password, TOKEN_USERS)
                    token = next(iter(tokens.values()))
                    write_load_data(data, dsn, tokens)
                profiling = None
                if args.profile and workers == 1:
                    label = f"{workers}w-c{args.connections[0]}"
                    profiling = {
                        name: Profiling(proc.pid, name, args.results_dir / "profiles", label)
                        for name, proc in procs.items()
                    }
                measured = drive(loads, args.scenarios, args.connections, dsn, profiling)
                results["rss_mib"][str(workers)] = worker_rss(procs["service"], workers)
            results["http"] += pair_rows(measured["service"], measured["floor"], workers)

        # --tracing-only and --websockets-only: the main scenarios given, then that part alone.
        only = args.tracing_only or args.websockets_only
        if not args.skip_tracing and not args.websockets_only:
            print("tracing: a bake with use_opentelemetry=true, 1 worker, off / 0.1 / 1.0", flush=True)
            traced, _ = bake(workdir / "bake-traced", "use_opentelemetry=true")
            traced_venv = workdir / "venv-traced"
            install(traced, traced_venv, interpreter(python_version))
            tracing_loads = {
                label: Load(free_port(), data, password, args.duration, args.warmup)
                for label, _ in TRACING_VARIANTS
            }
            scenarios = [s for s in args.scenarios if s in TRACING_SCENARIOS]
            results["tracing"] = tracing_rows(
                traced_venv, traced, env, package, tracing_loads, scenarios, args.connections[0], dsn, logs
            )

        if not args.skip_websockets and not args.tracing_only:
            print("WebSocket: a bake with use_websockets=true and the floor, 1 worker each", flush=True)
            live_project, _ = bake(workdir / "bake-live", "use_websockets=true")
            live_venv = workdir / "venv-live"
            install(live_project, live_venv, interpreter(python_version))
            ports = (free_port(), free_port())
            results["live"] = live_round_trips(
                live_venv,
                live_project,
                env,
                package,
                (floor_cmd(1, ports[1]), floor_env, FLOOR_DIR),
                ports,
                token,
                args.live_round_trips,
                logs,
            )

        if not args.skip_quiet_logs and not only:
            print("service at LOG_LEVEL=WARNING (no access line), 1 worker", flush=True)
            quiet_env = {**env, "LOG_LEVEL": "WARNING"}
            quiet_sides = (("service", service_cmd, quiet_env, project), sides[1])
            with contextlib.ExitStack() as servers:
                loads = {
                    name: Load(port, data, password, args.duration, args.warmup)
                    for name, (_, port) in start_sides(servers, quiet_sides, 1, logs, "quiet").items()
                }
                scenarios = [s for s in args.scenarios if s in QUIET_LOG_SCENARIOS]
                measured = drive(loads, scenarios, args.connections[:1], dsn)
            results["quiet_logs"] = pair_rows(measured["service"], measured["floor"], 1)

        if not args.skip_middleware_ab and not only:
            print("middleware A/B: /health/live, 1 worker, one layer removed at a time", flush=True)
            ab_load = Load(free_port(), data, password, args.duration, args.warmup)
            results["middleware_ab"] = middleware_ab(
                venv, project, env, package, ab_load, args.connections[0], logs
            )

        if args.skip_celery or only:
            results["celery"] = {"skipped": "--skip-celery"}
        else:
            print("Celery: the service's worker, then the bare Celery app", flush=True)
            counts = CeleryCounts(drain=args.celery_jobs, round_trips=args.celery_round_trips)
            port, log = free_port(), logs / "service-celery-api.log"
            with started(service_cmd(1, port), cwd=project, env=env, log=log) as proc:
                wait_ready(port, proc, log)
                service = celery_service(project, venv, env, package, port, token, dsn, logs, counts)
            if service is None:
                results["celery"] = {"skipped": "the default bake has no /api/v1/jobs endpoint"}
            else:
                floor = celery_floor(venv, floor_redis, logs, counts)
                floor_at_least_once = celery_floor(venv, floor_redis, logs, counts, at_least_once=True)
                service_trip, floor_trip = service["round_trip"], floor["round_trip"]
                results["celery"] = {
                    "service": service,
                    "floor": floor,
                    "floor_at_least_once": floor_at_least_once,
                    "jobs_per_s_ratio_at_least_once": ratio(
                        service["jobs_per_s"], floor_at_least_once["jobs_per_s"]
                    ),
                    "jobs_per_s_ratio": ratio(service["jobs_per_s"], floor["jobs_per_s"]),
                    "p50_ratio": ratio(service_trip["p50_ms"], floor_trip["p50_ms"]),
                    "p99_ratio": ratio(service_trip["p99_ms"], floor_trip["p99_ms"]),
                }

    if args.template_layers:
        print("timing the template's static and runtime test layers ...", flush=True)
        results["template_layers"] = template_layers()
    results["load_average_at_end"] = list(os.getloadavg())
    results["targets"] = targets(results)
    return write(results, args)


def write(results: Results, args: argparse.Namespace) -> int:
    results_dir = args.results_dir.resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    # A run of another project (--project) is kept, but it is not the template's latest result.
    out = results_dir / (f"{stamp}-{args.project.name}.json" if args.project else f"{stamp}.json")
    results_io.save(results, out)
    report = table(results)
    out.with_suffix(".md").write_text(report + "\n")
    if not args.project:
        shutil.copyfile(out, results_dir / "latest.json")
        shutil.copyfile(out.with_suffix(".md"), results_dir / "latest.md")
    print("\n" + report + "\n")
    has_chart = chart(results, out.with_suffix(".png"))
    if has_chart and not args.project:
        shutil.copyfile(out.with_suffix(".png"), results_dir / "latest.png")
    print(f"results: {out}" + ("" if has_chart else " (no matplotlib: no chart)"))
    return 0
