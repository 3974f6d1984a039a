"""Readiness check for the Celery broker, registered as `broker` in `/health/ready`."""

from __future__ import annotations

import asyncio

from starlette.datastructures import State

from {{ cookiecutter.package_name }}.worker.app import celery_app


def ping_broker(url: str) -> None:
    """Open a connection and a channel (a Redis PING, or an AMQP handshake); raise on failure."""
    with celery_app.connection_for_write(url=url) as connection:
        # One attempt: kombu's connect() retries once after a 2 s pause, which outlasts the
        # readiness timeout and leaves the thread running after the answer.
        connection.ensure_connection(max_retries=0)
        connection.default_channel  # noqa: B018 (opening the channel is the check)


async def check_broker(state: State) -> None:
    """Ping the app's broker off the event loop. The registry bounds the wait with
    HEALTH_CHECK_TIMEOUT; the transport's socket timeouts (CELERY_BROKER_TIMEOUT) end the thread."""
    await asyncio.to_thread(ping_broker, state.celery_broker_url)
