"""Typed dependencies of the jobs domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header

from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.jobs.models import IDEMPOTENCY_KEY_MAX_LENGTH, Job
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.jobs.service import SendJob, get_owned_job
from {{ cookiecutter.package_name }}.jobs.tasks import send_run_job
from {{ cookiecutter.package_name }}.users.dependencies import CurrentPrincipal


async def get_job_for_owner(job_id: uuid.UUID, user: CurrentPrincipal, session: SessionDep) -> Job:
    """The job in the path, if the current user owns it; 404 otherwise."""
    return await get_owned_job(session, user, job_id)


OwnedJob = Annotated[Job, Depends(get_job_for_owner)]
{%- else %}
from {{ cookiecutter.package_name }}.jobs.service import SendJob, get_job
from {{ cookiecutter.package_name }}.jobs.tasks import send_run_job


async def get_job_in_path(job_id: uuid.UUID, session: SessionDep) -> Job:
    """The job in the path; 404 if there is none."""
    return await get_job(session, job_id)


PathJob = Annotated[Job, Depends(get_job_in_path)]
{%- endif %}

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        description="A client-chosen unique key (a UUID is a good choice). Retrying with the "
        "same key and body returns the same job instead of creating another.",
    ),
]


def job_publisher() -> SendJob:
    """What hands a new job to the broker: the Celery task. Tests override this dependency."""
    return send_run_job


JobPublisher = Annotated[SendJob, Depends(job_publisher)]
