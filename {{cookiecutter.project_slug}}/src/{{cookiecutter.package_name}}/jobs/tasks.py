"""The Celery side of jobs: the task that runs a job, and publishing it from the API."""

from __future__ import annotations

import asyncio
import uuid

import structlog
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.core.errors import is_connection_error
from {{ cookiecutter.package_name }}.jobs import service
from {{ cookiecutter.package_name }}.jobs.exceptions import BrokerUnavailable
from {{ cookiecutter.package_name }}.jobs.models import Job
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import ServiceTask, backoff_with_jitter, enqueue_headers

logger = structlog.get_logger(__name__)

# Seconds between looks for a row the API has not committed yet (publish happens before commit).
NOT_YET_VISIBLE_COUNTDOWN = 1.0


def retry_countdown(retries: int, settings: Settings) -> float:
    """The back-off before the next attempt, from the JOB_RETRY_BACKOFF_* settings."""
    return backoff_with_jitter(
        retries, settings.job_retry_backoff_seconds, settings.job_retry_backoff_max_seconds
    )


@celery_app.task(bind=True, base=ServiceTask, name="jobs.run", max_retries=None)
def run_job(self: ServiceTask, job_id: str) -> str:
    """Run the job `job_id`; retries with back-off on transient errors. Idempotent."""
    settings = get_settings()
    retries = self.request.retries
    out_of_retries = retries >= settings.job_max_retries
    try:
        outcome = self.run_with_session(
            lambda session: service.run_job(
                session, uuid.UUID(job_id), max_attempts=settings.job_max_retries + 1
            )
        )
    except DBAPIError as exc:
        if out_of_retries or not is_connection_error(exc):
            raise
        logger.warning("job_database_unreachable", job_id=job_id, error=str(exc))
        raise self.retry(exc=exc, countdown=retry_countdown(retries, settings)) from exc

    if outcome is service.RunOutcome.RETRY:
        raise self.retry(countdown=retry_countdown(retries, settings))
    if outcome is service.RunOutcome.NOT_FOUND:
        if out_of_retries:
            logger.error("job_not_found", job_id=job_id)
        else:
            raise self.retry(countdown=NOT_YET_VISIBLE_COUNTDOWN)
    return outcome.value


async def send_run_job(job: Job) -> None:
    """Publish the message that runs `job` (task id = job id); `BrokerUnavailable` if it cannot."""
    headers = enqueue_headers()
    try:
        # ignore_result: the jobs table holds the outcome. It also keeps the publish off the
        # result backend, whose reconnect loop would hang an enqueue for ~20 s with Redis down.
        await asyncio.to_thread(
            run_job.apply_async,
            args=(str(job.id),),
            task_id=str(job.id),
            headers=headers,
            ignore_result=True,
        )
    except (KombuOperationalError, OSError) as exc:
        logger.warning("broker_unavailable", error_type=type(exc).__name__, error=str(exc))
        raise BrokerUnavailable from exc
