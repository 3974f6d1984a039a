"""Events within one process: this service has no Redis.

An event reaches the sockets of the API process that raised it, and no other: a client connected
to another uvicorn worker or pod does not see it, nor does any client see an event raised in a
process that serves no sockets (the Celery worker). Run one API process, or add Redis
(docs/websockets.md).
"""

from __future__ import annotations

import asyncio

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import Hub


class InProcessBus:
    """Events go straight to this process's hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.loop = asyncio.get_running_loop()

    async def publish(self, event: Event) -> None:
        if asyncio.get_running_loop() is self.loop:
            self.hub.dispatch(event)
        else:  # another thread (a worker thread beside the API): hand it over safely
            self.loop.call_soon_threadsafe(self.hub.dispatch, event)

    async def stop(self) -> None:
        """Nothing to let go of."""


async def start_bus(_: Settings, hub: Hub) -> InProcessBus:
    return InProcessBus(hub)


async def publish_without_app(event: Event, settings: Settings | None = None) -> None:
    """A process without the app's bus has no way to the sockets: the event is dropped."""
