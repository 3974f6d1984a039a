"""The Celery worker as the baked README starts it, and a job's round trip through the HTTP API."""

from __future__ import annotations

import contextlib
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from harness.baking import Baked, clean_env
from harness.serving import stop_process_group

JOB_TIMEOUT_S = 60.0


def wait_for_log(proc: subprocess.Popen[bytes], log_path: Path, marker: str, what: str) -> None:
    deadline = time.monotonic() + 60
    while marker not in log_path.read_text():
        assert proc.poll() is None, f"{what} exited:\n{log_path.read_text()[-4000:]}"
        assert time.monotonic() < deadline, f"{what} is not ready:\n{log_path.read_text()[-4000:]}"
        time.sleep(0.2)


@contextlib.contextmanager
def celery_worker(baked: Baked, env: Mapping[str, str], hostname: str) -> Iterator[Path]:
    """`celery -A <package>.worker worker`, the documented command; yields its log file."""
    log_path = baked.path / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                "uv", "run", "--no-sync", "celery", "-A", f"{baked.package}.worker", "worker",
                "--loglevel=INFO", "--concurrency=2", "--hostname", hostname,
            ],
            cwd=baked.path,
            env=clean_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_log(proc, log_path, "ready.", "the worker")
        yield log_path
    finally:
        stop_process_group(proc)


def run_job_through_the_api(client: httpx.Client, worker_log: Path) -> None:
    """Enqueue the example job, poll it to `succeeded`, then check the Idempotency-Key contract."""
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    created = client.post("/api/v1/jobs", json={}, headers=headers)
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]

    deadline = time.monotonic() + JOB_TIMEOUT_S
    while True:
        polled = client.get(f"/api/v1/jobs/{job_id}")
        if polled.status_code == 200:
            break
        assert polled.status_code == 202, polled.text
        assert time.monotonic() < deadline, (
            f"job still {polled.json()['state']}:\n{worker_log.read_text()[-4000:]}"
        )
        time.sleep(0.3)
    job = polled.json()
    assert job["state"] == "succeeded"
    assert job["attempts"] == 1
    assert job["result"]["words"] > 0
    assert len(job["result"]["sha256"]) == 64

    again = client.post("/api/v1/jobs", json={}, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == job_id
    conflict = client.post("/api/v1/jobs", json={"text": "other"}, headers=headers)
    assert conflict.status_code == 409, conflict.text
