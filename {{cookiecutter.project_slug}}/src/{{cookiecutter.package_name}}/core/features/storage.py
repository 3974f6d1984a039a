"""Object storage's share of the app: an S3 client while it runs, and a readiness check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.core.storage import check_storage, open_storage


@asynccontextmanager
async def storage_client(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    async with open_storage(settings) as storage:
        app.state.storage = storage
        yield


FEATURE = Feature(lifespan=storage_client, health_checks={"storage": check_storage})
