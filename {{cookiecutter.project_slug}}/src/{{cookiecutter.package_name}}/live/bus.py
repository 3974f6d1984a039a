"""The event bus: how an event raised anywhere reaches the hubs of the processes serving sockets.

{% if 'redis' in cookiecutter | features -%}
This service has Redis, so events travel over Redis pub/sub (`live/redis_bus.py`): an event
raised in one API worker, or in the Celery worker, reaches the clients of every API process.
{%- else -%}
This service has no Redis, so events stay in the process that raised them: clients of another
API process (or pod) do not see them. Run one API process, or add Redis (docs/websockets.md).
{%- endif %}

Domain code calls `publish` (async) or `publish_soon` (from synchronous code, such as SQLAlchemy
session events). Neither ever raises: a lost event must not fail the request that raised it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import Hub
{%- if 'redis' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.live.redis_bus import publish_without_app
{%- endif %}

logger = structlog.get_logger(__name__)


class EventBus(Protocol):
    """Carries events to the hubs. `publish` may be called from any thread's event loop."""

    async def publish(self, event: Event) -> None: ...


class InProcessBus:
    """Events go straight to this process's hub."""

    def __init__(self, hub: Hub, loop: asyncio.AbstractEventLoop) -> None:
        self.hub = hub
        self.loop = loop

    async def publish(self, event: Event) -> None:
        if asyncio.get_running_loop() is self.loop:
            self.hub.dispatch(event)
        else:  # another thread (a Celery worker thread beside the API): hand it over safely
            self.loop.call_soon_threadsafe(self.hub.dispatch, event)


# The buses of the apps this process serves, latest last (their lifespans install them); none in
# processes that serve no sockets, such as the Celery worker. Tests may run more than one app.
_installed: list[EventBus] = []
# Tasks `publish_soon` started, kept until they finish (the loop holds only weak references).
_pending: set[asyncio.Task[None]] = set()


def install(bus: EventBus) -> None:
    """Make `bus` the one `publish` uses, until `uninstall(bus)`."""
    _installed.append(bus)


def uninstall(bus: EventBus) -> None:
    if bus in _installed:
        _installed.remove(bus)


async def publish(event: Event) -> None:
    """Send `event` to every process's clients; log, never raise, if it cannot go."""
    try:
        if _installed:
            await _installed[-1].publish(event)
{%- if 'redis' in cookiecutter | features %}
        else:
            await publish_without_app(event)
{%- endif %}
    except Exception as exc:  # (a lost event must not fail the caller)
        logger.warning("live_event_lost", event_type=event.type, error=str(exc))


def publish_soon(event: Event) -> None:
    """`publish` from synchronous code running on an event loop; nothing without a loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(publish(event))
    _pending.add(task)
    task.add_done_callback(_pending.discard)
