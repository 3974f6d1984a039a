"""The worker drills' tools: a trigger that makes a job's claim sleep, a real Celery worker, and
reads of what happened to a job (issue E; used by tests/test_drills.py)."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import httpx
import psycopg

from harness.api import API
from harness.baking import clean_env
from harness.drills import Stack, wait_for

# A trigger on the drill's own database records every committed change of a job row, and makes
# the claim of a job whose text starts with "drill-slow:<seconds>:" sleep in its first attempt:
# the worker is then provably inside the task, before its work and its result. (Each step of a
# run is one autocommit statement, so a statement the server has started commits even if the
# worker dies meanwhile: the sleep must come before the result, not in it.)
DRILL_TRIGGER_SQL = """
CREATE TABLE IF NOT EXISTS drill_job_events (
    job_id uuid NOT NULL, state text NOT NULL, attempts int NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE OR REPLACE FUNCTION drill_job_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'running' AND NEW.attempts = 1 AND NEW.payload->>'text' LIKE 'drill-slow:%' THEN
        PERFORM pg_sleep(split_part(NEW.payload->>'text', ':', 2)::float);
    END IF;
    INSERT INTO drill_job_events (job_id, state, attempts) VALUES (NEW.id, NEW.state, NEW.attempts);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS drill_job_trigger ON jobs;
CREATE TRIGGER drill_job_trigger BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION drill_job_trigger();
"""


def plain_url(stack: Stack) -> str:
    return stack.env["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")


class Worker:
    """`celery -A <package>.worker worker` with one pool process, run from the bake's venv."""

    def __init__(self, stack: Stack, log: Path) -> None:
        self.log = log
        celery = stack.baked.path / ".venv" / "bin" / "celery"
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    f"{stack.baked.package}.worker",
                    "worker",
                    "--concurrency",
                    "1",
                    "--pool",
                    "prefork",
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--hostname",
                    f"drill-{secrets.token_hex(3)}@%h",
                ],
                cwd=stack.baked.path,
                env=clean_env(stack.env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: " ready" in log.read_text(), 60, f"the worker to start:\n{self.tail()}", 0.2)

    def tail(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else ""

    def pool_children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def wait_for_sleeping_update(stack: Stack, worker: Worker, timeout: float = 30) -> None:
    """Until a backend sits in the trigger's pg_sleep: the task has begun, its result is not in."""

    def sleeping() -> bool:
        with psycopg.connect(plain_url(stack), autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
            ).fetchone()
        return bool(row and row[0])

    try:
        wait_for(sleeping, timeout, "the job to reach its claim", 0.05)
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}\nworker log:\n{worker.tail()}\napi log:\n{stack.server_log(20)}"
        ) from None


def job_events(stack: Stack, job_id: str) -> list[tuple[str, int]]:
    with psycopg.connect(plain_url(stack), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT state, attempts FROM drill_job_events WHERE job_id = %s ORDER BY at", (job_id,)
        ).fetchall()
    return [(str(state), int(attempts)) for state, attempts in rows]


def enqueue(stack: Stack, headers: dict[str, str], text: str) -> str:
    with stack.client() as client:
        response = client.post(
            f"{API}/jobs", headers={**headers, "Idempotency-Key": secrets.token_hex(8)}, json={"text": text}
        )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def job_state(stack: Stack, headers: dict[str, str], job_id: str) -> httpx.Response:
    with stack.client() as client:
        return client.get(f"{API}/jobs/{job_id}", headers=headers)
