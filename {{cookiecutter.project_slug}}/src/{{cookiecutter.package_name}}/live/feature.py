"""The live channel's share of the app: `/api/v1/ws`, its hub and its bus while the app runs.

On SIGTERM (or when the app stops) every socket is closed with 1001 ("going away") before the
server drops the connections, so clients know to reconnect, to another instance if need be.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import FrameType

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.live import bus
from {{ cookiecutter.package_name }}.live.hub import Hub
from {{ cookiecutter.package_name }}.live.{{ 'redis_bus' if 'websockets_redis' in cookiecutter | features else 'local_bus' }} import start_bus
from {{ cookiecutter.package_name }}.live.router import router


@contextlib.contextmanager
def closing_on_sigterm(hub: Hub) -> Iterator[None]:
    """Chain onto the server's SIGTERM handler: close the sockets (1001) first.

    uvicorn, on SIGTERM, ends open sockets with 1012 before it stops the app; closing them here
    first gives clients 1001. Only when a server installed a handler, in the main thread.
    """
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return

    stopping: set[asyncio.Task[None]] = set()

    async def close_then_stop(signum: int, frame: FrameType | None) -> None:
        # The server learns of the signal only once the sockets are closed: told at once, it can
        # end them with 1012 before the 1001 frames are out.
        hub.begin_closing()
        await hub.gone()
        previous(signum, frame)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        def start() -> None:
            task = loop.create_task(close_then_stop(signum, frame))
            stopping.add(task)
            task.add_done_callback(stopping.discard)

        loop.call_soon_threadsafe(start)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, previous)


@asynccontextmanager
async def live_channel(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    hub = app.state.live_hub = Hub()
    event_bus = app.state.live_bus = await start_bus(settings, hub)
    bus.install(event_bus)
    try:
        with closing_on_sigterm(hub):
            yield
    finally:
        await hub.close_all()
        bus.uninstall(event_bus)
        await event_bus.stop()


FEATURE = Feature(lifespan=live_channel, routers=[router])
