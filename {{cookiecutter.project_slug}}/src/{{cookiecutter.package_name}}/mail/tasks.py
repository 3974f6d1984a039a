"""The Celery side of email: the task that sends one message, with retries on temporary failures.

Delivery is at-least-once (see `worker.app`): if a worker dies after the SMTP server accepted a
message but before the task was acknowledged, the message is sent again. For verification and
reset links a rare duplicate is harmless.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.mail.sender import (
    OutgoingEmail,
    SendError,
    is_permanent_failure,
    send_email,
)
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import ServiceTask, backoff_with_jitter

logger = structlog.get_logger(__name__)


def retry_countdown(retries: int, settings: Settings) -> float:
    """The back-off before the next attempt, from the EMAIL_RETRY_BACKOFF_* settings."""
    return backoff_with_jitter(
        retries, settings.email_retry_backoff_seconds, settings.email_retry_backoff_max_seconds
    )


@celery_app.task(bind=True, base=ServiceTask, name="mail.send", max_retries=None)
def send_email_task(self: ServiceTask, payload: dict[str, Any]) -> None:
    """Send one email (an `OutgoingEmail` as a dict); retry while the failure is temporary."""
    settings = get_settings()
    email = OutgoingEmail(**payload)
    retries = self.request.retries
    try:
        # One connection per message, so a loop per call is all the state this task needs.
        asyncio.run(send_email(email, settings))
    except SendError as exc:
        if is_permanent_failure(exc) or retries >= settings.email_max_retries:
            logger.error(
                "email_failed", subject=email.subject, attempts=retries + 1, error=str(exc)
            )
            raise
        logger.warning("email_retrying", subject=email.subject, attempt=retries + 1, error=str(exc))
        raise self.retry(exc=exc, countdown=retry_countdown(retries, settings)) from exc
    logger.info("email_sent", subject=email.subject, attempts=retries + 1)
