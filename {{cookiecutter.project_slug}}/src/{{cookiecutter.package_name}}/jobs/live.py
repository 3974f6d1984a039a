"""Job state changes on the live channel: `{"type": "job", "data": {"id", "state", ...}}`, sent
to the job's owner (public where jobs have no owner: a service without users).

The API announces `queued`; the worker announces `running`, `succeeded`, `failed`, and `queued`
again before a retry, over Redis where the service has it (docs/websockets.md). `updated_at`
orders a job's events, should two arrive out of order.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.jobs.models import Job
from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event

# The owner column, where jobs have one.
OWNER = tuple(column for column in Job.__table__.columns if column.name == "owner_id")


async def announce(
    job_id: uuid.UUID, state: str, attempts: int, updated_at: datetime, owner: uuid.UUID | None
) -> None:
    """Publish a job's state to its owner."""
    data = {
        "id": str(job_id),
        "state": state,
        "attempts": attempts,
        "updated_at": updated_at.isoformat(),
    }
    await publish(Event(type="job", data=data, owner=owner))


async def announce_job(job: Job) -> None:
    """Publish the state of a job the caller holds (the API, after enqueueing it)."""
    owner = getattr(job, "owner_id", None)
    await announce(job.id, job.state, job.attempts, job.updated_at, owner)


async def announce_stored(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Publish the job's state as stored now: one primary-key read, after a worker's UPDATE."""
    row = (
        await session.execute(
            select(Job.state, Job.attempts, Job.updated_at, *OWNER).where(Job.id == job_id)
        )
    ).first()
    # End the read's transaction: on SQLite every transaction holds the write lock.
    await session.commit()
    if row is not None:
        state, attempts, updated_at, *owner = row
        await announce(job_id, state, attempts, updated_at, owner[0] if owner else None)
