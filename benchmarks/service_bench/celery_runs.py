"""Jobs through the service's Celery worker, and through a bare Celery app (the floor)."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from harness.baking import clean_env

from .constants import CELERY_POLL_INTERVAL_S, FLOOR_DIR
from .results import CeleryRun, Latency
from .servers import log_tail, started


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summarise(samples: Sequence[float]) -> Latency:
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


def worker_command(venv: Path, app: str) -> list[str]:
    return [str(venv / "bin/celery"), "-A", app, "worker", "--concurrency", "1", "--loglevel", "INFO"]


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
) -> CeleryRun | None:
    """Jobs through the service: drain rate of 1 worker process, then round trips via the API."""
    headers = {"Authorization": f"Bearer {token}"}
    worker = worker_command(venv, f"{package}.worker")
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
            samples: list[float] = []
            round_trip_ids: list[str] = []
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
            float(row[0]) * 1000
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
                return [float(finished) for _, finished in rows]
            time.sleep(0.2)
    raise RuntimeError(f"the worker did not finish {len(ids)} jobs in {timeout:.0f} s:\n{log_tail(log)}")


def celery_floor(
    venv: Path, redis_url: str, logs: Path, counts: CeleryCounts, *, at_least_once: bool = False
) -> CeleryRun:
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
    log = logs / ("floor-worker-at-least-once.log" if at_least_once else "floor-worker.log")
    with started(worker_command(venv, "floor_celery"), cwd=FLOOR_DIR, env=env, log=log):
        deadline = time.monotonic() + 180
        while True:
            state = json.loads(probe("drained", *task_ids))
            if state["pending"] == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the floor worker did not drain its queue:\n{log_tail(log)}")
            time.sleep(1)
        done = [float(finished) for finished in state["done"]]
        if at_least_once:
            return {
                "jobs_per_s": drain_rate(done),
                "drained": len(task_ids),
                "how": "the same no-op task, acks late and prefetch 1",
            }
        samples = [float(ms) for ms in json.loads(probe("latency", str(counts.round_trips)))["latency_ms"]]
    return {
        "jobs_per_s": drain_rate(done),
        "drained": len(task_ids),
        "round_trip": summarise(samples),
        "how": "noop.delay().get() through the Redis result backend",
    }
