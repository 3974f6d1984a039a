"""Jobs without a worker: the HTTP contract, idempotency, and the state machine run directly.

Each test runs inside the rolled-back SAVEPOINT session; publishing is replaced by a recorder.
`test_jobs_worker.py` runs the same code under a real Celery worker.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import structlog
from httpx import AsyncClient
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.jobs import schemas, service, tasks
from {{ cookiecutter.package_name }}.jobs.exceptions import BrokerUnavailable, TransientJobError
from {{ cookiecutter.package_name }}.jobs.models import Job, JobState
from {{ cookiecutter.package_name }}.worker.base import REQUEST_ID_HEADER
from tests.fixtures.jobs import JOBS, CountJobs, MakeJob, SentJobs, key

# --- POST /api/v1/jobs ---------------------------------------------------------------------------


async def test_empty_body_enqueues_the_example_job(
    client: AsyncClient, headers: dict[str, str], sent: SentJobs
) -> None:
    response = await client.post(JOBS, json={}, headers={**headers, **key()})
    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "queued"
    assert job["type"] == "text_stats"
    assert job["attempts"] == 0
    assert job["result"] is None
    assert sent.ids == [uuid.UUID(job["id"])]


async def test_same_key_and_body_returns_the_same_job(
    client: AsyncClient, headers: dict[str, str], sent: SentJobs
) -> None:
    headers = {**headers, **key()}
    first = await client.post(JOBS, json={}, headers=headers)
    # The spelled-out default is the same request as `{}`.
    again = await client.post(JOBS, json={"text": schemas.EXAMPLE_TEXT}, headers=headers)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(sent.ids) == 1


async def test_same_key_with_another_body_is_a_conflict(
    client: AsyncClient, headers: dict[str, str], sent: SentJobs
) -> None:
    headers = {**headers, **key()}
    await client.post(JOBS, json={}, headers=headers)
    response = await client.post(JOBS, json={"text": "something else"}, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert len(sent.ids) == 1


@pytest.mark.parametrize(
    ("extra_headers", "body"),
    [
        ({}, {}),
        ({"Idempotency-Key": ""}, {}),
        ({"Idempotency-Key": "k" * 256}, {}),
        ({"Idempotency-Key": "k"}, {"unknown": 1}),
        ({"Idempotency-Key": "k"}, {"text": ""}),
        ({"Idempotency-Key": "k"}, {"type": "shell"}),
    ],
)
async def test_invalid_requests_are_rejected(
    client: AsyncClient,
    headers: dict[str, str],
    sent: SentJobs,
    extra_headers: dict[str, str],
    body: dict[str, Any],
) -> None:
    response = await client.post(JOBS, json=body, headers={**headers, **extra_headers})
    assert response.status_code == 422
    assert sent.ids == []


async def test_broker_down_answers_503_and_stores_nothing(
    client: AsyncClient, headers: dict[str, str], count_jobs: CountJobs, sent: SentJobs
) -> None:
    sent.fail = True
    response = await client.post(JOBS, json={}, headers={**headers, **key()})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "broker_unavailable"
    assert error["request_id"]
    assert await count_jobs() == 0


async def test_send_publishes_with_the_job_id_and_request_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.run_job, "apply_async", lambda **options: published.append(options))
    job = Job(id=uuid.uuid4())
    structlog.contextvars.bind_contextvars(request_id="req-9")
    try:
        await tasks.send_run_job(job)
    finally:
        structlog.contextvars.clear_contextvars()
    assert published == [
        {
            "args": (str(job.id),),
            "task_id": str(job.id),
            "headers": {REQUEST_ID_HEADER: "req-9"},
            "ignore_result": True,
        }
    ]


async def test_send_turns_broker_errors_into_broker_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**_: Any) -> None:
        raise KombuOperationalError("connection refused")

    monkeypatch.setattr(tasks.run_job, "apply_async", refuse)
    with pytest.raises(BrokerUnavailable):
        await tasks.send_run_job(Job(id=uuid.uuid4()))


# --- GET /api/v1/jobs/{id} -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [JobState.QUEUED, JobState.RUNNING])
async def test_unfinished_job_answers_202(
    client: AsyncClient, make_job: MakeJob, headers: dict[str, str], state: str
) -> None:
    job = await make_job(state=state)
    response = await client.get(f"{JOBS}/{job.id}", headers=headers)
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "1"
    assert response.json()["state"] == state


async def test_succeeded_job_answers_200_with_its_result(
    client: AsyncClient, make_job: MakeJob, headers: dict[str, str]
) -> None:
    job = await make_job(state=JobState.SUCCEEDED, result={"words": 3}, attempts=1)
    response = await client.get(f"{JOBS}/{job.id}", headers=headers)
    assert response.status_code == 200
    assert response.json()["result"] == {"words": 3}


async def test_failed_job_answers_409_with_its_error(
    client: AsyncClient, make_job: MakeJob, headers: dict[str, str]
) -> None:
    job = await make_job(state=JobState.FAILED, error="upstream said no")
    response = await client.get(f"{JOBS}/{job.id}", headers=headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "job_failed"
    assert "upstream said no" in error["message"]


# --- The state machine, run directly -------------------------------------------------------------


async def test_run_job_stores_the_result(session: AsyncSession, make_job: MakeJob) -> None:
    job = await make_job()
    outcome = await service.run_job(session, job.id, max_attempts=5)
    assert outcome is service.RunOutcome.SUCCEEDED
    await session.refresh(job)
    assert job.state == JobState.SUCCEEDED
    assert job.attempts == 1
    assert job.result is not None
    assert job.result["words"] == 19
    assert job.result["top_words"][0] == {"word": "the", "count": 5}
    assert job.started_at is not None
    assert job.finished_at is not None


async def test_a_redelivered_message_does_no_second_run(
    session: AsyncSession, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = await make_job()
    calls: list[dict[str, Any]] = []
    real = service.compute_text_stats

    async def counting(payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(payload)
        return await real(payload)

    monkeypatch.setitem(service.PERFORMERS, "text_stats", counting)
    assert await service.run_job(session, job.id, max_attempts=5) is service.RunOutcome.SUCCEEDED
    assert await service.run_job(session, job.id, max_attempts=5) is service.RunOutcome.SKIPPED
    await session.refresh(job)
    assert len(calls) == 1
    assert job.attempts == 1


async def test_a_transient_error_requeues_then_a_retry_succeeds(
    session: AsyncSession, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = await make_job()
    real = service.compute_text_stats
    failures = iter([TransientJobError("upstream timed out")])

    async def flaky(payload: dict[str, Any]) -> dict[str, Any]:
        error = next(failures, None)
        if error is not None:
            raise error
        return await real(payload)

    monkeypatch.setitem(service.PERFORMERS, "text_stats", flaky)
    assert await service.run_job(session, job.id, max_attempts=5) is service.RunOutcome.RETRY
    await session.refresh(job)
    assert (job.state, job.error) == (JobState.QUEUED, "upstream timed out")
    assert await service.run_job(session, job.id, max_attempts=5) is service.RunOutcome.SUCCEEDED
    await session.refresh(job)
    assert (job.state, job.error, job.attempts) == (JobState.SUCCEEDED, None, 2)


async def test_a_transient_error_on_the_last_attempt_fails_the_job(
    session: AsyncSession, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = await make_job()

    async def always_flaky(payload: dict[str, Any]) -> dict[str, Any]:
        raise TransientJobError("still down")

    monkeypatch.setitem(service.PERFORMERS, "text_stats", always_flaky)
    assert await service.run_job(session, job.id, max_attempts=1) is service.RunOutcome.FAILED
    await session.refresh(job)
    assert job.state == JobState.FAILED
    assert job.error == "gave up after 1 attempts: still down"
    assert job.finished_at is not None


async def test_an_unexpected_error_fails_the_job_at_once(
    session: AsyncSession, make_job: MakeJob
) -> None:
    job = await make_job(type="no_such_type")
    assert await service.run_job(session, job.id, max_attempts=5) is service.RunOutcome.FAILED
    await session.refresh(job)
    assert job.state == JobState.FAILED
    assert job.error == "KeyError: 'no_such_type'"


async def test_a_missing_job_is_reported(session: AsyncSession) -> None:
    outcome = await service.run_job(session, uuid.uuid4(), max_attempts=5)
    assert outcome is service.RunOutcome.NOT_FOUND


async def test_a_result_is_recorded_once_when_two_deliveries_race(
    session: AsyncSession, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = await make_job()
    real = service.compute_text_stats

    async def finished_meanwhile(payload: dict[str, Any]) -> dict[str, Any]:
        # Another delivery finishes the job while this one computes.
        await session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(state=JobState.SUCCEEDED, result={"winner": True})
        )
        await session.commit()
        return await real(payload)

    monkeypatch.setitem(service.PERFORMERS, "text_stats", finished_meanwhile)
    assert await service.run_job(session, job.id, max_attempts=5) is service.RunOutcome.SKIPPED
    await session.refresh(job)
    assert job.result == {"winner": True}


async def test_a_run_costs_two_statements(session: AsyncSession, make_job: MakeJob) -> None:
    # The claim and the result are one conditional UPDATE each: the worker's whole database cost.
    job = await make_job()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "jobs" in statement:
            statements.append(statement.split(None, 1)[0])

    connection = await session.connection()
    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        outcome = await service.run_job(session, job.id, max_attempts=5)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)
    assert outcome is service.RunOutcome.SUCCEEDED
{%- if 'websockets' in cookiecutter | features %}
    # And a primary-key read after each, for the state the live channel announces.
    assert statements == ["UPDATE", "SELECT", "UPDATE", "SELECT"]
{%- else %}
    assert statements == ["UPDATE", "UPDATE"]
{%- endif %}


def test_a_job_not_committed_yet_is_looked_for_soon_then_less_often() -> None:
    looks_again = range(tasks.NOT_YET_VISIBLE_LOOKS - 1)
    countdowns = [tasks.not_yet_visible_countdown(retries) for retries in looks_again]
    assert countdowns[:3] == [0.05, 0.1, 0.2]
    assert countdowns == sorted(countdowns)
    assert max(countdowns) == tasks.NOT_YET_VISIBLE_MAX_COUNTDOWN
    assert 4.0 <= sum(countdowns) <= 8.0  # patience for a slow commit, in seconds


def test_retry_countdown_grows_exponentially_and_is_capped() -> None:
    settings = get_settings().model_copy(
        update={"job_retry_backoff_seconds": 2.0, "job_retry_backoff_max_seconds": 10.0}
    )
    for retries, ceiling in [(0, 2.0), (1, 4.0), (2, 8.0), (3, 10.0), (10, 10.0)]:
        countdown = tasks.retry_countdown(retries, settings)
        assert ceiling / 2 <= countdown <= ceiling
