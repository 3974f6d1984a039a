"""The database's share of the app: an engine and session factories while it runs, a check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import (
    check_database,
    create_engine,
    create_read_session_factory,
    create_session_factory,
    create_session_gate,
)
from {{ cookiecutter.package_name }}.core.features import Feature


@asynccontextmanager
async def database(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    # Connections open lazily: the app starts even if the database is down (readiness says so).
    app.state.engine = create_engine(settings, ping_on_checkout=False)
    app.state.session_factory = create_session_factory(app.state.engine)
    app.state.read_session_factory = create_read_session_factory(app.state.engine)
    app.state.session_gate = create_session_gate(settings)
    try:
        yield
    finally:
        await app.state.engine.dispose()


FEATURE = Feature(lifespan=database, health_checks={"database": check_database})
