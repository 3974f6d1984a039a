"""Redis's share of the app: a client while it runs, and a readiness check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.core.redis import check_redis, create_redis


@asynccontextmanager
async def redis_client(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    # The client connects on first use: the app starts even if Redis is down.
    app.state.redis = create_redis(settings)
    try:
        yield
    finally:
        await app.state.redis.aclose()


FEATURE = Feature(lifespan=redis_client, health_checks={"redis": check_redis})
