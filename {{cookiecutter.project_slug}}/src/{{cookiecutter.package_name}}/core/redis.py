"""The shared Redis client (cache, rate limits): created in the lifespan, closed on shutdown."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.config import Settings


def create_redis(settings: Settings) -> Redis:
    """A client with short socket timeouts, so a dead Redis cannot stall a request."""
    return Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=settings.redis_socket_timeout,
        socket_timeout=settings.redis_socket_timeout,
        health_check_interval=30,
    )


def get_redis(request: Request) -> Redis:
    """The client the lifespan put on `app.state`."""
    client: Redis = request.app.state.redis
    return client


RedisDep = Annotated[Redis, Depends(get_redis)]


async def check_redis(state: State) -> None:
    """Readiness check: `PING`."""
    client: Redis = state.redis
    await client.ping()
