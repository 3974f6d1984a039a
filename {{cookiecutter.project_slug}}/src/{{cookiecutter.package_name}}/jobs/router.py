"""`/api/v1/jobs`: enqueue the example job idempotently, then poll it.

`POST` answers 202 with a new job, or 200 (and `Idempotent-Replayed: true`) with the job an
earlier request with the same `Idempotency-Key` and body created. `GET` answers 202 while the job
is queued or running, 200 with the result once it succeeded, and 409 with the error if it failed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.jobs import service
from {{ cookiecutter.package_name }}.jobs.dependencies import IdempotencyKey, JobPublisher, {% if 'auth' in cookiecutter | features %}OwnedJob{% else %}PathJob{% endif %}
from {{ cookiecutter.package_name }}.jobs.exceptions import JobFailed
from {{ cookiecutter.package_name }}.jobs.models import JobState
from {{ cookiecutter.package_name }}.jobs.schemas import JobCreate, JobRead
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.dependencies import CurrentPrincipal
{%- endif %}

router = APIRouter(prefix="/jobs", tags=["jobs"])

# Seconds a client should wait before polling an unfinished job again.
POLL_AFTER_SECONDS = "1"

REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"model": JobRead, "description": "The job an earlier request with this key created"}
}
IN_PROGRESS: dict[int | str, dict[str, Any]] = {
    202: {"model": JobRead, "description": "The job is queued or running; poll again"}
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
{%- if 'auth' in cookiecutter | features %}
    responses={**REPLAYED, **error_responses(401, 403, 409, 422, 503)},
)
async def create_job(
    body: JobCreate,
    idempotency_key: IdempotencyKey,
    user: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    publish: JobPublisher,
) -> JobRead:
    """Enqueue a job (`{}` runs the example). Safe to retry with the same `Idempotency-Key`."""
    job, created = await service.enqueue_job(session, user, body, idempotency_key, send=publish)
{%- else %}
    responses={**REPLAYED, **error_responses(409, 422, 503)},
)
async def create_job(
    body: JobCreate,
    idempotency_key: IdempotencyKey,
    session: SessionDep,
    response: Response,
    publish: JobPublisher,
) -> JobRead:
    """Enqueue a job (`{}` runs the example). Safe to retry with the same `Idempotency-Key`."""
    job, created = await service.enqueue_job(session, body, idempotency_key, send=publish)
{%- endif %}
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return JobRead.model_validate(job)


@router.get(
    "/{job_id}",
    response_model=JobRead,
{%- if 'auth' in cookiecutter | features %}
    responses={**IN_PROGRESS, **error_responses(401, 403, 404, 409, 422, 503)},
)
async def read_job(job: OwnedJob, response: Response) -> JobRead:
{%- else %}
    responses={**IN_PROGRESS, **error_responses(404, 409, 422, 503)},
)
async def read_job(job: PathJob, response: Response) -> JobRead:
{%- endif %}
    """The job: 200 with its result when it succeeded, 202 while it runs, 409 if it failed."""
    if job.state == JobState.FAILED:
        raise JobFailed(f"The job failed: {job.error}")
    if job.state != JobState.SUCCEEDED:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Retry-After"] = POLL_AFTER_SECONDS
    return JobRead.model_validate(job)
