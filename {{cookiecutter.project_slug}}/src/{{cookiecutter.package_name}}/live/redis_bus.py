"""Events over Redis pub/sub: every API process subscribes, anyone with the URL may publish.

Pub/sub delivers to the subscribers connected at the time, at most once: a process that is
reconnecting to Redis misses what is published meanwhile. Clients that need every change read
the resource again after reconnecting (docs/websockets.md).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import Hub

logger = structlog.get_logger(__name__)

RECONNECT_SECONDS = 1.0


def channel(settings: Settings) -> str:
    """The pub/sub channel of this service (under REDIS_KEY_PREFIX, like its keys)."""
    return f"{settings.redis_key_prefix}live"


def _client(settings: Settings) -> Redis:
    # No socket timeout: the subscriber waits on its socket for as long as nothing happens.
    return Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_socket_timeout,
        health_check_interval=30,
    )


class RedisBus:
    """Publishes to the channel; a background task hands what arrives on it to the hub."""

    def __init__(self, settings: Settings, hub: Hub) -> None:
        self.settings = settings
        self.channel = channel(settings)
        self.hub = hub
        self.redis = _client(settings)
        self.loop = asyncio.get_running_loop()
        self.subscribed = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, event: Event) -> None:
        if asyncio.get_running_loop() is self.loop:
            await asyncio.wait_for(
                self.redis.publish(self.channel, event.wire()), self.settings.redis_socket_timeout
            )
        else:  # another thread's loop: this client belongs to the app's loop
            await publish_without_app(event, self.settings)

    async def start(self) -> None:
        """Subscribe; wait (briefly) until subscribed, so no event is missed just after startup."""
        self._listener = asyncio.create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), self.settings.redis_socket_timeout)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self.redis.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.subscribed.set()
                    async for message in pubsub.listen():
                        self._deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # (Redis went away: subscribe again soon)
                self.subscribed.clear()
                logger.warning("live_subscription_lost", error=str(exc))
                await asyncio.sleep(RECONNECT_SECONDS)

    def _deliver(self, raw: bytes) -> None:
        try:
            event = Event.from_wire(raw)
        except (ValueError, KeyError, TypeError):
            logger.warning("live_message_malformed", size=len(raw))
            return
        self.hub.dispatch(event)


async def start_bus(settings: Settings, hub: Hub) -> RedisBus:
    bus = RedisBus(settings, hub)
    await bus.start()
    return bus


async def publish_without_app(event: Event, settings: Settings | None = None) -> None:
    """Publish from a process (or thread) without the app's bus: the Celery worker, scripts."""
    settings = settings or get_settings()
    # A client per event: the worker's loops come and go, and a job raises a handful of events.
    async with _client(settings) as client:
        await asyncio.wait_for(
            client.publish(channel(settings), event.wire()), settings.redis_socket_timeout
        )
