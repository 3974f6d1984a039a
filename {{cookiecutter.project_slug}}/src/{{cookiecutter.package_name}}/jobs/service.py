"""Jobs: idempotent enqueueing on the API side, and the state machine the worker drives.

Enqueue: insert the row, flush, publish the message, and only then commit. If publishing fails
the transaction rolls back, so no row claims to be queued unless its message was really sent.

Run: every state change is one conditional `UPDATE ... RETURNING`, atomic on its own, and a
finished job is never run again, so a redelivered message (at-least-once delivery) does no second
piece of work. Because each step is a single statement, the worker runs them in autocommit: a job
costs two round trips (claim, record) instead of two transactions of four.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import func, literal, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.db import UTCDateTime, utcnow
from {{ cookiecutter.package_name }}.jobs.exceptions import (
    IdempotencyKeyReused,
    JobNotFound,
    TransientJobError,
)
{%- if 'websockets' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.jobs.live import announce_job, announce_stored
{%- endif %}
from {{ cookiecutter.package_name }}.jobs.models import FINISHED_STATES, Job, JobState
from {{ cookiecutter.package_name }}.jobs.schemas import JobCreate
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.principal import Principal
{%- endif %}

logger = structlog.get_logger(__name__)

SendJob = Callable[[Job], Awaitable[None]]
ERROR_MAX_LENGTH = 2000


def request_hash(body: JobCreate) -> str:
    """SHA-256 of the body with defaults filled in: `{}` and the spelled-out default are equal."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


{% if 'auth' in cookiecutter | features -%}
async def _find_by_key(session: AsyncSession, owner_id: uuid.UUID, key: str) -> Job | None:
    return await session.scalar(
        select(Job).where(Job.owner_id == owner_id, Job.idempotency_key == key)
    )
{%- else -%}
async def _find_by_key(session: AsyncSession, key: str) -> Job | None:
    return await session.scalar(select(Job).where(Job.idempotency_key == key))
{%- endif %}


def _replay(job: Job, digest: str) -> Job:
    if job.request_hash != digest:
        raise IdempotencyKeyReused
    return job


{% if 'auth' in cookiecutter | features -%}
async def enqueue_job(
    session: AsyncSession, owner: Principal, body: JobCreate, idempotency_key: str, send: SendJob
) -> tuple[Job, bool]:
    """Create and enqueue a job; return it and whether it is new.

    The same key with the same body returns the existing job (`False`); with another body it
    raises `IdempotencyKeyReused`. If `send` fails, nothing is stored and its error propagates.
    """
    digest = request_hash(body)
    owner_id = owner.id  # read once: a rollback below expires `owner`
    existing = await _find_by_key(session, owner_id, idempotency_key)
    if existing is not None:
        return _replay(existing, digest), False

    job = Job(
        owner_id=owner_id,
{%- else -%}
async def enqueue_job(
    session: AsyncSession, body: JobCreate, idempotency_key: str, send: SendJob
) -> tuple[Job, bool]:
    """Create and enqueue a job; return it and whether it is new.

    The same key with the same body returns the existing job (`False`); with another body it
    raises `IdempotencyKeyReused`. If `send` fails, nothing is stored and its error propagates.
    """
    digest = request_hash(body)
    existing = await _find_by_key(session, idempotency_key)
    if existing is not None:
        return _replay(existing, digest), False

    job = Job(
{%- endif %}
        type=body.type,
        state=JobState.QUEUED,
        payload=body.model_dump(mode="json"),
        idempotency_key=idempotency_key,
        request_hash=digest,
    )
    session.add(job)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent request with the same key won the race; answer with its job.
        await session.rollback()
        existing = await _find_by_key(session, {% if 'auth' in cookiecutter | features %}owner_id, {% endif %}idempotency_key)
        if existing is None:
            raise
        return _replay(existing, digest), False

    try:
        await send(job)
    except Exception:
        await session.rollback()
        raise
    await session.commit()
{%- if 'websockets' in cookiecutter | features %}
    await announce_job(job)
{%- endif %}
    logger.info("job_enqueued", job_id=str(job.id), job_type=job.type)
    return job, True


{% if 'auth' in cookiecutter | features -%}
async def get_owned_job(session: AsyncSession, owner: Principal, job_id: uuid.UUID) -> Job:
    """The job, if `owner` owns it. Someone else's job is "not found", not "forbidden"."""
    job = await session.scalar(select(Job).where(Job.id == job_id, Job.owner_id == owner.id))
{%- else -%}
async def get_job(session: AsyncSession, job_id: uuid.UUID) -> Job:
    """The job with this id; `JobNotFound` if there is none."""
    job = await session.get(Job, job_id)
{%- endif %}
    if job is None:
        raise JobNotFound
    return job


# --- The example job ---------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


async def compute_text_stats(payload: dict[str, Any]) -> dict[str, Any]:
    """The example job: statistics of a text (stands in for a report, an export, a resize...)."""
    text = str(payload["text"])
    words = [word.lower() for word in _WORD_RE.findall(text)]
    top = Counter(words).most_common(5)
    return {
        "characters": len(text),
        "words": len(words),
        "unique_words": len(set(words)),
        "lines": text.count("\n") + 1,
        "top_words": [{"word": word, "count": count} for word, count in top],
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


Performer = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
PERFORMERS: dict[str, Performer] = {"text_stats": compute_text_stats}


# --- The worker side ---------------------------------------------------------------------------


class RunOutcome(StrEnum):
    """What one delivery of a job's message did."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRY = "retry"  # a transient error; the task retries with back-off
    SKIPPED = "skipped"  # already finished: a redelivered or duplicate message
    NOT_FOUND = "not_found"  # no such row (yet): the API may not have committed


Claim = tuple[str, dict[str, Any], int]  # a claimed job's type, payload and attempt number


async def _claim(session: AsyncSession, job_id: uuid.UUID) -> Claim | None:
    """Mark the job running and count the attempt, unless it has finished; None if it has.

    A RUNNING job is claimed again: that is a redelivery after its worker died.
    """
    claimed = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.not_in(FINISHED_STATES))
        .values(
            state=JobState.RUNNING,
            attempts=Job.attempts + 1,
            started_at=func.coalesce(Job.started_at, literal(utcnow(), UTCDateTime())),
        )
        .returning(Job.type, Job.payload, Job.attempts)
        .execution_options(synchronize_session=False)
    )
    row = claimed.one_or_none()
    await session.commit()
{%- if 'websockets' in cookiecutter | features %}
    if row is not None:
        await announce_stored(session, job_id)
{%- endif %}
    return None if row is None else (row.type, dict(row.payload), row.attempts)


async def _finish(
    session: AsyncSession,
    job_id: uuid.UUID,
    state: JobState,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """Record an attempt's outcome unless another delivery already finished the job."""
    recorded = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state != JobState.SUCCEEDED)
        .values(
            state=state,
            result=null() if result is None else result,
            error=error[:ERROR_MAX_LENGTH] if error else None,
            finished_at=literal(utcnow(), UTCDateTime()) if state in FINISHED_STATES else None,
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    done = recorded.first() is not None
    await session.commit()
{%- if 'websockets' in cookiecutter | features %}
    if done:
        await announce_stored(session, job_id)
{%- endif %}
    return done


async def run_job(session: AsyncSession, job_id: uuid.UUID, *, max_attempts: int) -> RunOutcome:
    """Run one delivery of the job `job_id`. Safe to call any number of times for the same job.

    A transient error requeues the job (`RETRY`) until it has been attempted `max_attempts` times.
    """
    claimed = await _claim(session, job_id)
    if claimed is None:
        # Finished already, or not committed yet when the claim looked. One more look tells which.
        state = await session.scalar(select(Job.state).where(Job.id == job_id))
        await session.commit()
        if state not in FINISHED_STATES:
            # Absent, or committed just after the claim looked: either way, look again later.
            return RunOutcome.NOT_FOUND
        logger.info("job_already_finished", job_id=str(job_id), state=state)
        return RunOutcome.SKIPPED
    job_type, payload, attempt = claimed
    log = logger.bind(job_id=str(job_id), job_type=job_type, attempt=attempt)
    log.info("job_started")

    try:
        performer = PERFORMERS[job_type]
        result = await performer(payload)
    except TransientJobError as exc:
        if attempt >= max_attempts:
            log.warning("job_failed", error=str(exc), transient=True)
            await _finish(
                session, job_id, JobState.FAILED, error=f"gave up after {attempt} attempts: {exc}"
            )
            return RunOutcome.FAILED
        log.warning("job_retrying", error=str(exc))
        await _finish(session, job_id, JobState.QUEUED, error=str(exc))
        return RunOutcome.RETRY
    except Exception as exc:
        log.exception("job_failed")
        await session.rollback()
        await _finish(session, job_id, JobState.FAILED, error=f"{type(exc).__name__}: {exc}")
        return RunOutcome.FAILED

    if not await _finish(session, job_id, JobState.SUCCEEDED, result=result):
        log.info("job_already_finished", state=JobState.SUCCEEDED)
        return RunOutcome.SKIPPED
    log.info("job_succeeded")
    return RunOutcome.SUCCEEDED
