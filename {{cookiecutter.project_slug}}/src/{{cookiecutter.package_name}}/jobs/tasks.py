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

# The API publishes before it commits, so a fast worker can find no row yet. Look again soon (the
# commit is usually milliseconds behind), then less often: 0.05, 0.1, 0.2 ... 1 s, about 5.5 s in
# all before giving up.
NOT_YET_VISIBLE_FIRST_COUNTDOWN = 0.05
NOT_YET_VISIBLE_MAX_COUNTDOWN = 1.0
NOT_YET_VISIBLE_LOOKS = 10


def not_yet_visible_countdown(retries: int) -> float:
    """Seconds before looking again for a job row that is not committed yet."""
    return min(NOT_YET_VISIBLE_MAX_COUNTDOWN, NOT_YET_VISIBLE_FIRST_COUNTDOWN * 2.0**retries)


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
            ),
            autocommit=True,  # run_job's steps are single statements
        )
    except DBAPIError as exc:
        if out_of_retries or not is_connection_error(exc):
            raise
        logger.warning("job_database_unreachable", job_id=job_id, error=str(exc))
        raise self.retry(exc=exc, countdown=retry_countdown(retries, settings)) from exc

    if outcome is service.RunOutcome.RETRY:
        raise self.retry(countdown=retry_countdown(retries, settings))
    if outcome is service.RunOutcome.NOT_FOUND:
        if retries + 1 >= NOT_YET_VISIBLE_LOOKS:
            logger.error("job_not_found", job_id=job_id, looks=retries + 1)
        else:
            raise self.retry(countdown=not_yet_visible_countdown(retries))
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
