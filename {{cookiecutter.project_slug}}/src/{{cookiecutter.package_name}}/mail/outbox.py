"""The outbox: routes hand it emails, and they leave after the response has been sent.
{%- if 'celery' in cookiecutter | features %}

Each email becomes a `mail.send` task: the worker sends it and retries with back-off while the
SMTP server is unreachable or answers 4xx (see `mail.tasks`), so an SMTP outage costs no email.
Publishing happens in a background task too, so a response never waits on the broker or SMTP.
When the broker is down the publish fails fast and this process sends the email itself, once:
a broker outage costs the worker's retries, not the email.
{%- else %}

There is no worker in this project, so this process sends each email itself, in a FastAPI
background task that runs once the response is out: SMTP latency never shows in response times,
and a forgot-password answer takes as long for an unknown address as for a known one. Delivery is
best effort: a failure is logged, not retried (bake with a background worker for retries).
{%- endif %}
"""

from __future__ import annotations

{% if 'celery' in cookiecutter | features -%}
import asyncio
from dataclasses import asdict
{% endif -%}
from typing import Annotated

import structlog
from fastapi import BackgroundTasks, Depends
{%- if 'celery' in cookiecutter | features %}
from kombu.exceptions import OperationalError as KombuOperationalError
{%- endif %}

from {{ cookiecutter.package_name }}.core.config import Settings, SettingsDep
from {{ cookiecutter.package_name }}.mail.sender import OutgoingEmail, SendError, send_email
{%- if 'celery' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.mail.tasks import send_email_task
from {{ cookiecutter.package_name }}.worker.base import enqueue_headers
{%- endif %}

logger = structlog.get_logger(__name__)


async def deliver(email: OutgoingEmail, settings: Settings) -> None:
{%- if 'celery' in cookiecutter | features %}
    """Publish `email` to the worker, which sends it with its own settings and retries.

    If the broker is down, send it from here instead (one attempt); nothing is raised, as the
    response is already out.
    """
    try:
        await asyncio.to_thread(
            send_email_task.apply_async,
            args=(asdict(email),),
            headers=enqueue_headers(),
            ignore_result=True,
        )
    except (KombuOperationalError, OSError) as exc:
        logger.warning("email_not_queued", subject=email.subject, error=str(exc), fallback="send")
        await send_now(email, settings)
{%- else %}
    """Send `email` now; a failure is logged (the user can ask again)."""
    await send_now(email, settings)
{%- endif %}


async def send_now(email: OutgoingEmail, settings: Settings) -> None:
    """Send `email` from this process; a failure is logged as `email_not_sent` (an error)."""
    try:
        await send_email(email, settings)
    except SendError as exc:
        logger.error("email_not_sent", subject=email.subject, error=str(exc))
        return
    logger.info("email_sent", subject=email.subject)


class Outbox:
    """Emails queued by one request; they leave after its response."""

    def __init__(self, background: BackgroundTasks, settings: Settings) -> None:
        self._background = background
        self._settings = settings

    def send(self, email: OutgoingEmail) -> None:
        """Queue `email` for delivery once the response has been sent."""
        self._background.add_task(deliver, email, self._settings)


async def get_outbox(background: BackgroundTasks, settings: SettingsDep) -> Outbox:
    """The request's outbox."""
    return Outbox(background, settings)


OutboxDep = Annotated[Outbox, Depends(get_outbox)]
