"""Job state changes on the live channel: `{"type": "job", "data": {"id", "state", ...}}`, sent
to the job's {% if 'auth' in cookiecutter | features %}owner{% else %}clients (jobs have no owner, so the event is public){% endif %}.

The API announces `queued`; the worker announces `running`, `succeeded`, `failed`, and `queued`
again before a retry{% if 'redis' in cookiecutter | features %} (over Redis, so every API process hears it){% else %}. This service has no Redis, so the worker's announcements reach no
API process: clients see `queued` and poll `GET /api/v1/jobs/{id}` for the rest{% endif %}.
`updated_at` orders a job's events, should two arrive out of order.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.jobs.models import Job
from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event


async def announce(
    job_id: uuid.UUID, state: str, attempts: int, updated_at: datetime{% if 'auth' in cookiecutter | features %}, owner_id: uuid.UUID{% endif %}
) -> None:
    """Publish a job's state."""
    data = {
        "id": str(job_id),
        "state": state,
        "attempts": attempts,
        "updated_at": updated_at.isoformat(),
    }
    await publish(Event(type="job", data=data{% if 'auth' in cookiecutter | features %}, owner=owner_id{% endif %}))


async def announce_job(job: Job) -> None:
    """Publish the state of a job the caller has loaded (the API, after enqueueing it)."""
    await announce(job.id, job.state, job.attempts, job.updated_at{% if 'auth' in cookiecutter | features %}, job.owner_id{% endif %})


async def announce_stored(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Publish the job's state as stored now: one primary-key read, after a worker's UPDATE."""
    row = (
        await session.execute(
            select(Job.state, Job.attempts, Job.updated_at{% if 'auth' in cookiecutter | features %}, Job.owner_id{% endif %}).where(Job.id == job_id)
        )
    ).first()
    if row is not None:
        await announce(job_id, *row)
