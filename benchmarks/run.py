"""Benchmark the default bake against its floor, measured in the same run on the same machine.

    uv run python benchmarks/run.py            # about 8 minutes on 2 cores; needs wrk
    uv run python benchmarks/run.py --help     # shorter runs, fewer scenarios, template layers

It bakes the default variant, installs its production dependencies into an empty virtualenv,
starts PostgreSQL and Redis with the test harness (no Docker), migrates, seeds 10,000 items across
100 users, and drives the API under uvicorn (1 and 2 workers) with wrk (16 and 64 connections).
Each HTTP scenario runs against the baked service and against a floor app (Starlette + asyncpg,
benchmarks/floor/floor_api.py) that gives the same answers; the Celery round trip runs against
the service's worker and a bare Celery app (benchmarks/floor/floor_celery.py). Every number is
reported with its ratio to the floor. Results: a table on stdout, JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "tests"))

from harness.baking import TEMPLATE_ROOT, clean_env, interpreter, run  # noqa: E402
from harness.services import Postgres, Redis, free_port  # noqa: E402

FLOOR_DIR = BENCH_DIR / "floor"
LUA_SCRIPT = BENCH_DIR / "scenario.lua"
RESULTS_DIR = BENCH_DIR / "results"

USERS = 100
ITEMS_PER_USER = 100
TOKEN_USERS = 10  # the users whose tokens the load uses
ITEMS_PER_TOKEN = 20  # item ids per token user in the `item` scenario
# Login runs last: argon2 keeps the server busy after wrk stops, and `settle` waits that out.
SCENARIOS = ("health", "list", "item", "create", "login")
SCENARIO_LABELS = {
    "health": "GET /health/live",
    "list": "GET /api/v1/items?limit=20",
    "item": "GET /api/v1/items/{id}",
    "login": "POST /api/v1/auth/login",
    "create": "POST /api/v1/items",
}
READY_TIMEOUT_S = 60.0
CELERY_DRAIN_JOBS = 500
CELERY_ROUND_TRIPS = 300
CELERY_POLL_INTERVAL_S = 0.002
COLD_STARTS = 3

# Targets from the issue; the run reports hits and misses, it never fails on them.
TARGET_LIST_RPS_RATIO = 0.8
TARGET_LIST_P99_RATIO_64 = 1.5
TARGET_CELERY_P50_MS = 20.0
TARGET_CELERY_RATE_RATIO = 0.8
TARGET_COLD_START_S = 1.0


# --- Processes ---------------------------------------------------------------------------------


@contextlib.contextmanager
def started(
    args: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group; on exit stop the whole group (workers included)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def http_status(port: int, path: str) -> int | None:
    """The status of one GET over a fresh connection, or None if nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            status_line = sock.recv(64).split(b"\r\n", 1)[0]
        return int(status_line.split()[1])
    except (OSError, IndexError, ValueError):
        return None


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, poll_s: float = 0.005) -> float:
    """Block until GET /health/live answers 200; return the seconds it took."""
    started_at = time.monotonic()
    while time.monotonic() - started_at < READY_TIMEOUT_S:
        if http_status(port, "/health/live") == 200:
            return time.monotonic() - started_at
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log_tail(log)}")
        time.sleep(poll_s)
    raise RuntimeError(f"no 200 on /health/live within {READY_TIMEOUT_S:.0f} s:\n{log_tail(log)}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name is in parentheses and may hold spaces: split after the last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def worker_rss(proc: subprocess.Popen[bytes], workers: int) -> list[float]:
    """RSS (MiB) of each process that serves requests: uvicorn itself, or its worker children."""
    pids = [proc.pid] if workers == 1 else children(proc.pid)
    # multiprocessing's resource tracker is a child of the supervisor too, but serves nothing.
    pids = [pid for pid in pids if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return [round(rss_mib(pid), 1) for pid in pids]


# --- Baking and installing ---------------------------------------------------------------------


def bake(into: Path) -> tuple[Path, float]:
    """Bake the default variant with cookiecutter's CLI; return the project and the wall time."""
    # cookiecutter writes its hook scripts to the temp dir; keep them inside our own folder.
    into.mkdir(parents=True, exist_ok=True)
    env = {"TMPDIR": str(into)}
    started_at = time.monotonic()
    run([sys.executable, "-m", "cookiecutter", str(TEMPLATE_ROOT), "--no-input", "-o", str(into)], into, env)
    seconds = time.monotonic() - started_at
    (project,) = [p for p in into.iterdir() if (p / "pyproject.toml").exists()]
    return project, seconds


def tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def install(project: Path, venv: Path, python: str | None) -> dict[str, Any]:
    """`uv sync --no-dev` into an empty venv (size measured), then compile bytecode as the image does."""
    env = {"UV_PROJECT_ENVIRONMENT": str(venv)}
    base = ["uv", "sync", "--no-dev", "--no-editable", "--quiet", *(["--python", python] if python else [])]
    started_at = time.monotonic()
    run(base, project, env)
    sync_seconds = time.monotonic() - started_at
    size = tree_bytes(venv)
    run([*base, "--compile-bytecode"], project, env)
    return {
        "sync_seconds": round(sync_seconds, 1),
        "installed_mib": round(size / 2**20, 1),
        "installed_with_bytecode_mib": round(tree_bytes(venv) / 2**20, 1),
    }


def versions(venv: Path) -> dict[str, str]:
    names = [
        "fastapi",
        "starlette",
        "pydantic",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "asyncpg",
        "celery",
        "redis",
        "orjson",
        "structlog",
    ]
    code = (
        "import json, platform, importlib.metadata as m\n"
        "out = {'python': platform.python_version()}\n"
        f"for n in {names!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run([str(venv / "bin/python"), "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


# --- Data --------------------------------------------------------------------------------------


def plain_url(url: str) -> str:
    return re.sub(r"^postgresql\+asyncpg://", "postgresql://", url)


def password_cost(venv: Path, cwd: Path, env: dict[str, str], package: str, password: str) -> dict[str, Any]:
    """Hash the seed password once with the app's own hasher, and time a verification."""
    code = (
        "import json, sys, time\n"
        f"from {package}.core.security import hash_password, verify_password\n"
        "hashed = hash_password(sys.argv[1])\n"
        "times = []\n"
        "for _ in range(5):\n"
        "    t = time.perf_counter(); verify_password(sys.argv[1], hashed)\n"
        "    times.append((time.perf_counter() - t) * 1000)\n"
        "print(json.dumps({'hash': hashed, 'verify_ms': sorted(times)[2]}))"
    )
    out = subprocess.run(
        [str(venv / "bin/python"), "-c", code, password],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    params = re.search(r"\$m=(\d+),t=(\d+),p=(\d+)\$", result["hash"])
    if params:
        memory_kib, time_cost, parallelism = map(int, params.groups())
        result["params"] = {
            "memory_mib": memory_kib // 1024,
            "time_cost": time_cost,
            "parallelism": parallelism,
        }
    return result


def seed(dsn: str, hashed_password: str) -> None:
    """100 users and 100 items each, in two INSERT ... SELECT statements."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, email, hashed_password, created_at, updated_at) "
            "SELECT gen_random_uuid(), format('user%%s@bench.example', n), %s, now(), now() "
            "FROM generate_series(1, %s) AS n",
            (hashed_password, USERS),
        )
        conn.execute(
            "INSERT INTO items (id, owner_id, title, description, created_at, updated_at) "
            "SELECT gen_random_uuid(), u.id, format('Item %%s', n), "
            "format('Seeded item %%s of %%s, with a short description.', n, u.email), "
            "now() - make_interval(secs => n), now() - make_interval(secs => n) "
            "FROM users AS u CROSS JOIN generate_series(1, %s) AS n",
            (ITEMS_PER_USER,),
        )
        conn.execute("VACUUM ANALYZE")


def reset_after(scenario: str, dsn: str) -> None:
    """Undo what a scenario wrote, so every run sees the same 10,000 items."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if scenario == "create":
            conn.execute("DELETE FROM items WHERE title = 'bench-created'")
            conn.execute("VACUUM ANALYZE items")
        elif scenario == "login":
            table = conn.execute("SELECT to_regclass('refresh_tokens')").fetchone()
            if table and table[0]:
                conn.execute("DELETE FROM refresh_tokens")
                conn.execute("VACUUM ANALYZE refresh_tokens")


def login_tokens(port: int, password: str, count: int) -> dict[str, str]:
    """Real access tokens, from the service's own login route: {email: token}."""
    tokens = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(1, count + 1):
            email = f"user{n}@bench.example"
            response = client.post("/api/v1/auth/login", data={"username": email, "password": password})
            response.raise_for_status()
            tokens[email] = response.json()["access_token"]
    return tokens


def write_load_data(path: Path, dsn: str, tokens: dict[str, str]) -> None:
    with psycopg.connect(dsn) as conn:
        lines = []
        for email, token in tokens.items():
            rows = conn.execute(
                "SELECT i.id FROM items i JOIN users u ON u.id = i.owner_id WHERE u.email = %s "
                "ORDER BY i.id LIMIT %s",
                (email, ITEMS_PER_TOKEN),
            ).fetchall()
            lines += [f"{token}\t{item_id}\t{email}" for (item_id,) in rows]
    path.write_text("\n".join(lines) + "\n")


# --- Load --------------------------------------------------------------------------------------


@dataclass
class Load:
    """How to drive one server with wrk."""

    port: int
    data: Path
    password: str
    duration: int
    warmup: int


def wrk(load: Load, scenario: str, connections: int, duration: int) -> dict[str, Any]:
    threads = max(1, min(connections, os.cpu_count() or 1))
    env = {
        **os.environ,
        "BENCH_SCENARIO": scenario,
        "BENCH_DATA": str(load.data),
        "BENCH_PASSWORD": load.password,
    }
    args = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{load.port}",
    ]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=duration + 60, check=False)
    marker = [line for line in proc.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if proc.returncode != 0 or not marker:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(marker[0].removeprefix("BENCH_RESULT "))
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "requests": raw["requests"],
        "errors": sum(raw["errors"].values()),
        "error_detail": raw["errors"],
    }


def settle(port: int, timeout: float = 60.0) -> None:
    """Wait until the server answers /health/live quickly again: requests queued by the last run
    (argon2 logins above all) must not land in the next run's numbers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started_at = time.monotonic()
        if http_status(port, "/health/live") == 200 and time.monotonic() - started_at < 0.02:
            return
        time.sleep(0.1)


def drive(
    loads: dict[str, Load], scenarios: Sequence[str], connection_counts: Sequence[int], dsn: str
) -> dict[str, list[dict[str, Any]]]:
    """Each run against every server back to back, so both see the same background load."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in loads}
    for scenario in scenarios:
        for load in loads.values():
            if load.warmup:
                wrk(load, scenario, max(connection_counts), load.warmup)
                settle(load.port)
        for connections in connection_counts:
            for name, load in loads.items():
                result = wrk(load, scenario, connections, load.duration)
                settle(load.port)
                rows[name].append({"scenario": scenario, "connections": connections, **result})
                print(
                    f"  {name:<8} {scenario:<7} c={connections:<3} {result['rps']:>8.0f} req/s  "
                    f"p50 {result['p50_ms']:>7.2f} ms  p99 {result['p99_ms']:>8.2f} ms  "
                    f"errors {result['errors']}",
                    flush=True,
                )
        reset_after(scenario, dsn)
    return rows


def uvicorn_args(venv: Path, target: str, port: int, workers: int) -> list[str]:
    # The production image's command, with a fixed worker count and loopback only.
    return [
        str(venv / "bin/uvicorn"),
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--proxy-headers",
    ]


# --- Celery ------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summarise(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 50), 2),
        "p99_ms": round(percentile(samples, 99), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
        "count": len(samples),
    }


def drain_rate(done: Sequence[float]) -> float:
    """Jobs per second from completion times: (n - 1) intervals between the first and the last."""
    ordered = sorted(done)
    return round((len(ordered) - 1) / (ordered[-1] - ordered[0]), 1)


@dataclass
class CeleryCounts:
    """How many jobs each queue drain holds, and how many round trips are timed."""

    drain: int
    round_trips: int


def celery_service(
    project: Path,
    venv: Path,
    env: dict[str, str],
    package: str,
    api_port: int,
    token: str,
    dsn: str,
    logs: Path,
    counts: CeleryCounts,
) -> dict[str, Any] | None:
    """Jobs through the service: drain rate of 1 worker process, then round trips via the API."""
    headers = {"Authorization": f"Bearer {token}"}
    worker = [
        str(venv / "bin/celery"),
        "-A",
        f"{package}.worker",
        "worker",
        "--concurrency",
        "1",
        "--loglevel",
        "INFO",
    ]
    with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", headers=headers, timeout=30) as client:

        def enqueue() -> str:
            response = client.post("/api/v1/jobs", json={}, headers={"Idempotency-Key": uuid.uuid4().hex})
            response.raise_for_status()
            return str(response.json()["id"])

        probe = client.post("/api/v1/jobs", json={}, headers={"Idempotency-Key": uuid.uuid4().hex})
        if probe.status_code == 404:
            return None  # this bake has no jobs endpoint
        probe.raise_for_status()
        # The queue is filled while no worker runs; the worker then drains it.
        job_ids = [str(probe.json()["id"])] + [enqueue() for _ in range(counts.drain - 1)]
        with started(worker, cwd=project, env=env, log=logs / "service-worker.log"):
            finished = wait_jobs(dsn, job_ids, logs / "service-worker.log")
            rate = drain_rate(finished)
            samples, round_trip_ids = [], []
            for _ in range(counts.round_trips):
                started_at = time.perf_counter()
                job_id = enqueue()
                while True:
                    response = client.get(f"/api/v1/jobs/{job_id}")
                    if response.status_code == 200:
                        break
                    if response.status_code != 202:
                        raise RuntimeError(f"job {job_id}: {response.status_code} {response.text}")
                    time.sleep(CELERY_POLL_INTERVAL_S)
                samples.append((time.perf_counter() - started_at) * 1000)
                round_trip_ids.append(job_id)
    with psycopg.connect(dsn) as conn:
        server_side = [
            row[0] * 1000
            for row in conn.execute(
                "SELECT extract(epoch FROM finished_at - created_at)::float FROM jobs WHERE id = ANY(%s)",
                ([uuid.UUID(i) for i in round_trip_ids],),
            )
        ]
    return {
        "jobs_per_s": rate,
        "drained": len(job_ids),
        "round_trip": summarise(samples),
        "queued_to_finished": summarise(server_side),
        "how": "POST /api/v1/jobs, then GET /api/v1/jobs/{id} every 2 ms until 200",
    }


def wait_jobs(dsn: str, job_ids: list[str], log: Path, timeout: float = 180.0) -> list[float]:
    """Wait until every job succeeded; return their finish times (epoch seconds)."""
    ids = [uuid.UUID(i) for i in job_ids]
    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            rows = conn.execute(
                "SELECT state, extract(epoch FROM finished_at)::float FROM jobs WHERE id = ANY(%s)", (ids,)
            ).fetchall()
            if any(state == "failed" for state, _ in rows):
                raise RuntimeError(f"a benchmark job failed:\n{log_tail(log)}")
            if sum(state == "succeeded" for state, _ in rows) == len(ids):
                return [finished for _, finished in rows]
            time.sleep(0.2)
    raise RuntimeError(f"the worker did not finish {len(ids)} jobs in {timeout:.0f} s:\n{log_tail(log)}")


def celery_floor(
    venv: Path, redis_url: str, logs: Path, counts: CeleryCounts, *, at_least_once: bool = False
) -> dict[str, Any]:
    """The bare Celery app: the same drain, then round trips through the result backend.

    `at_least_once` gives it the service's delivery settings (acks late, prefetch 1) and only
    drains: it tells how much of the gap those settings make.
    """
    env = clean_env(
        {
            "FLOOR_REDIS_URL": redis_url,
            "PYTHONPATH": str(FLOOR_DIR),
            **({"FLOOR_AT_LEAST_ONCE": "1"} if at_least_once else {}),
        }
    )
    python = [str(venv / "bin/python"), str(FLOOR_DIR / "floor_celery.py")]

    def probe(*args: str) -> str:
        return subprocess.run([*python, *args], env=env, capture_output=True, text=True, check=True).stdout

    task_ids = probe("publish", str(counts.drain)).split()
    worker = [
        str(venv / "bin/celery"),
        "-A",
        "floor_celery",
        "worker",
        "--concurrency",
        "1",
        "--loglevel",
        "INFO",
    ]
    log = logs / ("floor-worker-at-least-once.log" if at_least_once else "floor-worker.log")
    with started(worker, cwd=FLOOR_DIR, env=env, log=log):
        deadline = time.monotonic() + 180
        while True:
            state = json.loads(probe("drained", *task_ids))
            if state["pending"] == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the floor worker did not drain its queue:\n{log_tail(log)}")
            time.sleep(1)
        if at_least_once:
            return {
                "jobs_per_s": drain_rate(state["done"]),
                "drained": len(task_ids),
                "how": "the same no-op task, acks late and prefetch 1",
            }
        samples = json.loads(probe("latency", str(counts.round_trips)))["latency_ms"]
    return {
        "jobs_per_s": drain_rate(state["done"]),
        "drained": len(task_ids),
        "round_trip": summarise(samples),
        "how": "noop.delay().get() through the Redis result backend",
    }


# --- Report ------------------------------------------------------------------------------------


def ratio(value: float, floor: float) -> float | None:
    return round(value / floor, 2) if floor else None


def pair_rows(
    service: list[dict[str, Any]], floor: list[dict[str, Any]], workers: int
) -> list[dict[str, Any]]:
    by_key = {(r["scenario"], r["connections"]): r for r in floor}
    rows = []
    for mine in service:
        base = by_key[(mine["scenario"], mine["connections"])]
        rows.append(
            {
                "scenario": mine["scenario"],
                "workers": workers,
                "connections": mine["connections"],
                "service": mine,
                "floor": base,
                "rps_ratio": ratio(mine["rps"], base["rps"]),
                "p99_ratio": ratio(mine["p99_ms"], base["p99_ms"]),
            }
        )
    return rows


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for row in results["http"]:
        if row["scenario"] != "list":
            continue
        where = f"{row['workers']} worker(s), {row['connections']} conns"
        out.append(
            {
                "target": f"list req/s >= {TARGET_LIST_RPS_RATIO}x floor ({where})",
                "value": row["rps_ratio"],
                "met": row["rps_ratio"] >= TARGET_LIST_RPS_RATIO,
            }
        )
        if row["connections"] == 64:
            out.append(
                {
                    "target": f"list p99 <= {TARGET_LIST_P99_RATIO_64}x floor ({where})",
                    "value": row["p99_ratio"],
                    "met": row["p99_ratio"] <= TARGET_LIST_P99_RATIO_64,
                }
            )
    celery = results.get("celery")
    if celery and celery.get("service"):
        p50 = celery["service"]["round_trip"]["p50_ms"]
        out.append(
            {
                "target": f"Celery round trip p50 < {TARGET_CELERY_P50_MS:.0f} ms",
                "value": p50,
                "met": p50 < TARGET_CELERY_P50_MS,
            }
        )
        rate = celery["jobs_per_s_ratio"]
        out.append(
            {
                "target": f"Celery jobs/s >= {TARGET_CELERY_RATE_RATIO}x bare Celery",
                "value": rate,
                "met": rate >= TARGET_CELERY_RATE_RATIO,
            }
        )
    cold = results["cold_start"]["service_s"]
    out.append(
        {"target": f"cold start < {TARGET_COLD_START_S} s", "value": cold, "met": cold < TARGET_COLD_START_S}
    )
    return out


def table(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"Benchmark of the default bake, {results['date']}, {machine['cores']} cores ({machine['cpu']}), "
        f"Python {results['versions'].get('python')}, wrk {results['settings']['duration_s']} s per run, "
        f"load average {results['load_average_at_start'][0]:.1f} at start",
        "",
        "| scenario | workers | conns | req/s | p50 ms | p99 ms | floor req/s | floor p50 | floor p99 "
        "| req/s ratio | p99 ratio | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["http"]:
        s, f = row["service"], row["floor"]
        cells = [SCENARIO_LABELS[row["scenario"]], row["workers"], row["connections"]]
        cells += [f"{s['rps']:.0f}", f"{s['p50_ms']:.1f}", f"{s['p99_ms']:.1f}"]
        cells += [f"{f['rps']:.0f}", f"{f['p50_ms']:.1f}", f"{f['p99_ms']:.1f}"]
        cells += [f"{row['rps_ratio']:.2f}", f"{row['p99_ratio']:.2f}", f"{s['errors']}/{f['errors']}"]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    celery = results.get("celery")
    if celery and celery.get("service"):
        s, f = celery["service"], celery["floor"]
        lines += [
            "",
            "| Celery, 1 worker process | jobs/s | round trip p50 ms | p99 ms |",
            "|---|---:|---:|---:|",
            f"| service: {s['how']} | {s['jobs_per_s']:.0f} | {s['round_trip']['p50_ms']:.1f} "
            f"| {s['round_trip']['p99_ms']:.1f} |",
            f"| service, queued to finished (database timestamps) | | "
            f"{s['queued_to_finished']['p50_ms']:.1f} | {s['queued_to_finished']['p99_ms']:.1f} |",
            f"| floor: {f['how']} | {f['jobs_per_s']:.0f} | {f['round_trip']['p50_ms']:.1f} "
            f"| {f['round_trip']['p99_ms']:.1f} |",
            f"| ratio service/floor | {celery['jobs_per_s_ratio']:.2f} | {celery['p50_ratio']:.2f} "
            f"| {celery['p99_ratio']:.2f} |",
        ]
        slow = celery.get("floor_at_least_once")
        if slow:  # absent from results written before it was measured
            lines += [
                f"| floor with the service's delivery settings: {slow['how']} | "
                f"{slow['jobs_per_s']:.0f} | | |",
                f"| ratio service/that floor | {celery['jobs_per_s_ratio_at_least_once']:.2f} | | |",
            ]
    elif celery:
        lines += ["", f"Celery: {celery.get('skipped')}"]
    cold, install_info, argon = results["cold_start"], results["install"], results["argon2"]
    rss = "; ".join(
        f"{workers} worker(s): {', '.join(f'{v:.0f}' for v in values)} MiB"
        for workers, values in results["rss_mib"].items()
    )
    lines += [
        "",
        f"- Cold start (process start to first 200 on /health/live, median of {COLD_STARTS}): "
        f"{cold['service_s']:.2f} s (floor {cold['floor_s']:.2f} s)",
        f"- RSS per API worker after the load: {rss}",
        f"- Installed size of `uv sync --no-dev` into an empty venv: {install_info['installed_mib']:.0f} MiB "
        f"({install_info['installed_with_bytecode_mib']:.0f} MiB with bytecode, as the image compiles it)",
        f"- Bake time of the default variant: {results['bake_seconds']:.2f} s",
        f"- argon2 verify: {argon['verify_ms']:.0f} ms per login ({argon.get('params')})",
    ]
    layers = results.get("template_layers")
    if layers:
        when = f" (timed {results['template_layers_date']})" if "template_layers_date" in results else ""
        lines.append(
            f"- Template test layers, wall time on this machine{when}: "
            + ", ".join(f"{k} {v['seconds']:.0f} s ({v['result']})" for k, v in layers.items())
        )
    lines += ["", "| target | value | met |", "|---|---:|---|"]
    lines += [f"| {t['target']} | {t['value']} | {'yes' if t['met'] else 'NO'} |" for t in results["targets"]]
    return "\n".join(lines)


def chart(results: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib  # type: ignore[import-not-found]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found]
    except ImportError:
        return False
    rows = results["http"]
    labels = [f"{r['scenario']}\n{r['workers']}w/{r['connections']}c" for r in rows]
    fig, ax = plt.subplots(figsize=(max(8, len(rows) * 0.6), 4))
    ax.bar(range(len(rows)), [r["rps_ratio"] for r in rows])
    ax.axhline(TARGET_LIST_RPS_RATIO, linestyle="--", linewidth=1)
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylabel("req/s, service / floor")
    ax.set_title(f"Default bake vs floor, {results['date']}, {results['machine']['cores']} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def template_layers() -> dict[str, Any]:
    """Wall times of the template's own static and runtime test layers."""
    out = {}
    for name, marker in (("static", "not runtime"), ("runtime", "runtime")):
        started_at = time.monotonic()
        proc = subprocess.run(
            ["uv", "run", "pytest", "-q", "-m", marker],
            cwd=TEMPLATE_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        out[name] = {
            "seconds": round(time.monotonic() - started_at, 1),
            "result": "passed" if proc.returncode == 0 else f"failed ({proc.returncode})",
        }
    return out


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release()}


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per scenario (default 1)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn worker counts")
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64], help="wrk connection counts")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--skip-celery", action="store_true", help="skip the Celery round trip")
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
    return parser.parse_args(argv)


def add_layers_to_latest() -> int:
    """Time the template's test layers and record them beside the latest benchmark's figures."""
    latest = RESULTS_DIR / "latest.json"
    results = json.loads(latest.read_text())
    print("timing the template's static and runtime test layers ...", flush=True)
    results["template_layers"] = template_layers()
    results["template_layers_date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    latest.write_text(json.dumps(results, indent=2) + "\n")
    report = table(results)
    (RESULTS_DIR / "latest.md").write_text(report + "\n")
    print("\n" + report + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
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


def benchmark(args: argparse.Namespace, workdir: Path, logs: Path) -> int:
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_average_at_start": os.getloadavg(),
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
        env = clean_env(
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": secret,
                "DATABASE_URL": database_url,
                "REDIS_URL": service_redis,
                "CELERY_BROKER_URL": service_redis,
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
        floor_env = clean_env({"SECRET_KEY": secret, "FLOOR_DSN": dsn, "PYTHONPATH": str(FLOOR_DIR)})
        run([str(venv / "bin/alembic"), "upgrade", "head"], project, env)
        results["argon2"] = password_cost(venv, project, env, package, password)
        print(f"seeding {USERS} users and {USERS * ITEMS_PER_USER} items ...", flush=True)
        seed(dsn, results["argon2"].pop("hash"))

        def service_cmd(workers: int, port: int) -> list[str]:
            return uvicorn_args(venv, f"{package}.main:app", port, workers)

        def floor_cmd(workers: int, port: int) -> list[str]:
            return uvicorn_args(venv, "floor_api:app", port, workers)

        cold: dict[str, list[float]] = {"service": [], "floor": []}
        for _ in range(COLD_STARTS):
            for name, command, app_env, cwd in (
                ("service", service_cmd, env, project),
                ("floor", floor_cmd, floor_env, FLOOR_DIR),
            ):
                port, log = free_port(), logs / f"{name}-cold.log"
                with started(command(1, port), cwd=cwd, env=app_env, log=log) as proc:
                    cold[name].append(wait_ready(port, proc, log, poll_s=0.002))
        results["cold_start"] = {f"{k}_s": round(statistics.median(v), 3) for k, v in cold.items()}
        results["cold_start"]["samples"] = cold

        data = workdir / "load.tsv"
        results["http"], results["rss_mib"] = [], {}
        token = ""
        for workers in args.workers:
            print(f"service and floor: uvicorn with {workers} worker(s)", flush=True)
            with contextlib.ExitStack() as servers:
                loads, procs = {}, {}
                for name, command, app_env, cwd in (
                    ("service", service_cmd, env, project),
                    ("floor", floor_cmd, floor_env, FLOOR_DIR),
                ):
                    port, log = free_port(), logs / f"{name}-{workers}w.log"
                    procs[name] = servers.enter_context(
                        started(command(workers, port), cwd=cwd, env=app_env, log=log)
                    )
                    wait_ready(port, procs[name], log)
                    loads[name] = Load(port, data, password, args.duration, args.warmup)
                time.sleep(1.0 if workers > 1 else 0)  # let every worker finish starting
                if not data.exists():
                    tokens = login_tokens(loads["service"].port, password, TOKEN_USERS)
                    token = next(iter(tokens.values()))
                    write_load_data(data, dsn, tokens)
                measured = drive(loads, args.scenarios, args.connections, dsn)
                results["rss_mib"][str(workers)] = worker_rss(procs["service"], workers)
            results["http"] += pair_rows(measured["service"], measured["floor"], workers)

        if args.skip_celery:
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
                results["celery"] = {
                    "service": service,
                    "floor": floor,
                    "floor_at_least_once": floor_at_least_once,
                    "jobs_per_s_ratio_at_least_once": ratio(
                        service["jobs_per_s"], floor_at_least_once["jobs_per_s"]
                    ),
                    "jobs_per_s_ratio": ratio(service["jobs_per_s"], floor["jobs_per_s"]),
                    "p50_ratio": ratio(service["round_trip"]["p50_ms"], floor["round_trip"]["p50_ms"]),
                    "p99_ratio": ratio(service["round_trip"]["p99_ms"], floor["round_trip"]["p99_ms"]),
                }

    if args.template_layers:
        print("timing the template's static and runtime test layers ...", flush=True)
        results["template_layers"] = template_layers()
    results["load_average_at_end"] = os.getloadavg()
    results["targets"] = targets(results)

    results_dir = args.results_dir.resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    # A run of another project (--project) is kept, but it is not the template's latest result.
    out = results_dir / (f"{stamp}-{args.project.name}.json" if args.project else f"{stamp}.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    report = table(results)
    out.with_suffix(".md").write_text(report + "\n")
    if not args.project:
        shutil.copyfile(out, results_dir / "latest.json")
        shutil.copyfile(out.with_suffix(".md"), results_dir / "latest.md")
    print("\n" + report + "\n")
    has_chart = chart(results, out.with_suffix(".png"))
    print(f"results: {out}" + ("" if has_chart else " (no matplotlib: no chart)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
