"""The event bus: how an event raised anywhere reaches the hubs of the processes serving sockets.

The transport is `live/{{ 'redis_bus' if 'websockets_redis' in cookiecutter | features else 'local_bus' }}.py`. Domain code calls `publish` (async) or `publish_soon`
(from synchronous code, such as SQLAlchemy session events). Neither ever raises: a lost event
must not fail the request that raised it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.{{ 'redis_bus' if 'websockets_redis' in cookiecutter | features else 'local_bus' }} import publish_without_app

logger = structlog.get_logger(__name__)


class EventBus(Protocol):
    """Carries events to the hubs. `publish` may be called from any thread's event loop."""

    async def publish(self, event: Event) -> None: ...

    async def stop(self) -> None: ...


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
        else:
            await publish_without_app(event)
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
