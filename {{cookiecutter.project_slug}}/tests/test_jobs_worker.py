"""Jobs under a real Celery worker, consuming from the real broker.

The worker (Celery's `start_worker`, in a thread of this process) opens its own database
connections, so these tests cannot use the rolled-back SAVEPOINT session: what they make is
committed for real, and the `committed` fixture deletes it afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.jobs import service
from {{ cookiecutter.package_name }}.jobs.exceptions import TransientJobError
from {{ cookiecutter.package_name }}.jobs.models import Job, JobState
from {{ cookiecutter.package_name }}.jobs.schemas import JobCreate
from {{ cookiecutter.package_name }}.jobs.tasks import run_job, send_run_job
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.principal import Principal
{%- endif %}
from {{ cookiecutter.package_name }}.worker.runtime import close_runtimes, run_with_session

TIMEOUT = 30.0


@pytest.fixture(scope="module", autouse=True)
def runtimes_closed() -> Iterator[None]:
    """Close the database runtimes of this thread and of the worker's thread at the end."""
    yield
    close_runtimes()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "job_retry_backoff_seconds", 0.05)
    monkeypatch.setattr(settings, "job_max_retries", 3)


class Performer:
    """Wraps the example job: counts runs, records the request id, can fail transiently first."""

    def __init__(self, transient_failures: int = 0) -> None:
        self.calls = 0
        self.request_ids: list[object] = []
        self.transient_failures = transient_failures

    async def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        self.request_ids.append(structlog.contextvars.get_contextvars().get("request_id"))
        if self.calls <= self.transient_failures:
            raise TransientJobError(f"flaky upstream (call {self.calls})")
        return await service.compute_text_stats(payload)


@pytest.fixture
def performer(monkeypatch: pytest.MonkeyPatch) -> Performer:
    spy = Performer()
    monkeypatch.setitem(service.PERFORMERS, "text_stats", spy)
    return spy


{% if 'auth' in cookiecutter | features -%}
# What a test commits for real: a user, who owns its jobs.
Committed = User


@pytest.fixture
def committed(migrated_database: str) -> Iterator[User]:
    """A user committed for real; deleted (with its jobs) after the test."""

    async def create(session: AsyncSession) -> User:
        user = User(email=f"worker-{uuid.uuid4().hex[:12]}@example.com", hashed_password="x")
        session.add(user)
        await session.commit()
        return user

    user = run_with_session(create)
    yield user

    async def remove(session: AsyncSession) -> None:
        await session.execute(delete(User).where(User.id == user.id))
        await session.commit()

    run_with_session(remove)


def enqueue(user: User, request_id: str = "req-from-api") -> Job:
    """What `POST /api/v1/jobs` does, on committed connections."""
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        job, created = run_with_session(
            lambda session: service.enqueue_job(
                session, Principal.of(user), JobCreate(), uuid.uuid4().hex, send=send_run_job
            )
        )
    finally:
        structlog.contextvars.clear_contextvars()
    assert created
    return job
{%- else -%}
# What a test commits for real: jobs, by id.
Committed = list[uuid.UUID]


@pytest.fixture
def committed(migrated_database: str) -> Iterator[Committed]:
    """The ids of the jobs a test commits for real; deleted after the test."""
    ids: Committed = []
    yield ids

    async def remove(session: AsyncSession) -> None:
        await session.execute(delete(Job).where(Job.id.in_(ids)))
        await session.commit()

    run_with_session(remove)


def enqueue(committed: Committed, request_id: str = "req-from-api") -> Job:
    """What `POST /api/v1/jobs` does, on committed connections; the job's id goes to `committed`."""
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        job, created = run_with_session(
            lambda session: service.enqueue_job(
                session, JobCreate(), uuid.uuid4().hex, send=send_run_job
            )
        )
    finally:
        structlog.contextvars.clear_contextvars()
    assert created
    committed.append(job.id)
    return job
{%- endif %}


def load(job_id: uuid.UUID) -> Job:
    async def get(session: AsyncSession) -> Job:
        job = await session.get(Job, job_id, populate_existing=True)
        assert job is not None
        return job

    return run_with_session(get)


def wait_until_finished(job_id: uuid.UUID) -> Job:
    deadline = time.monotonic() + TIMEOUT
    while True:
        job = load(job_id)
        if job.state in {JobState.SUCCEEDED, JobState.FAILED}:
            return job
        assert time.monotonic() < deadline, f"job still {job.state} after {TIMEOUT}s"
        time.sleep(0.1)


@pytest.mark.usefixtures("worker")
def test_worker_runs_an_enqueued_job_and_stores_its_result(
    committed: Committed, performer: Performer
) -> None:
    job = enqueue(committed, request_id="req-42")
    done = wait_until_finished(job.id)
    assert done.state == JobState.SUCCEEDED
    assert done.attempts == 1
    assert done.result is not None
    assert done.result["words"] == 19
    # The API's request id travelled in the message headers to the worker's log context.
    assert performer.request_ids == ["req-42"]


@pytest.mark.usefixtures("worker", "fast_retries")
def test_worker_retries_a_transient_failure(committed: Committed, performer: Performer) -> None:
    performer.transient_failures = 2
    job = enqueue(committed)
    done = wait_until_finished(job.id)
    assert done.state == JobState.SUCCEEDED
    assert done.attempts == 3
    assert performer.calls == 3
    assert done.error is None


@pytest.mark.usefixtures("worker", "fast_retries")
def test_worker_fails_the_job_when_retries_run_out(
    committed: Committed, performer: Performer
) -> None:
    performer.transient_failures = 100
    job = enqueue(committed)
    done = wait_until_finished(job.id)
    assert done.state == JobState.FAILED
    assert done.attempts == 4  # the first run and three retries
    assert done.error is not None
    assert done.error.startswith("gave up after 4 attempts")


@pytest.mark.usefixtures("worker")
def test_a_duplicate_delivery_does_no_double_work(
    committed: Committed, performer: Performer
) -> None:
    job = enqueue(committed)
    first = wait_until_finished(job.id)
    # The same message again, as the broker redelivers it after a lost acknowledgement.
    duplicate = run_job.apply_async(args=(str(job.id),))
    assert duplicate.get(timeout=TIMEOUT) == "skipped"
    again = load(job.id)
    assert performer.calls == 1
    assert (again.attempts, again.result, again.finished_at) == (
        first.attempts,
        first.result,
        first.finished_at,
    )


# --- The task, run eagerly (no broker) -----------------------------------------------------------


@pytest.mark.usefixtures("fast_retries")
def test_task_gives_up_on_a_job_that_never_appears(migrated_database: str) -> None:
    # The message can overtake the API's commit; the task looks again, then stops.
    result = run_job.apply(args=(str(uuid.uuid4()),))
    assert result.get() == "not_found"


@pytest.mark.usefixtures("fast_retries")
def test_task_retries_when_the_database_is_unreachable(
    migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outages = iter([OperationalError("SELECT", {}, ConnectionRefusedError())])

    def flaky_session(work: Any, **options: Any) -> Any:
        outage = next(outages, None)
        if outage is not None:
            raise outage
        return run_with_session(work, **options)

    monkeypatch.setattr(run_job, "run_with_session", flaky_session)
    result = run_job.apply(args=(str(uuid.uuid4()),))
    assert result.get() == "not_found"  # reached the database on the retry


def test_task_does_not_retry_a_broken_statement(
    migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Any, **__: Any) -> Any:
        raise IntegrityError("INSERT", {}, ValueError("duplicate"))

    monkeypatch.setattr(run_job, "run_with_session", broken)
    result = run_job.apply(args=(str(uuid.uuid4()),))
    assert isinstance(result.result, IntegrityError)
