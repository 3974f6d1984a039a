"""PostgreSQL (asyncpg): an engine that fails fast and drops dead connections, and the readiness
check. `core/db.py` exports both, with the rest of the database layer."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.config import Settings

# A pooled connection that came back less than this long ago is taken to be alive: a busy worker
# takes it again at once for its next task, and a ping on every checkout cost 14% of its time
# (the worker's flame graph in the template repository's benchmarks/results/profiles/).
PING_AFTER_IDLE_SECONDS = 1.0


def create_engine(settings: Settings, *, ping_on_checkout: bool = True) -> AsyncEngine:
    """An engine that fails fast: bounded connect and command timeouts, dead connections dropped.

    A connection the server closed (restart, failover) is dropped at checkout, and another taken:
    - at no cost when asyncpg has already seen it close, which it has whenever the event loop ran
      since. The API's loop always runs, so it passes `ping_on_checkout=False`.
    - with `ping_on_checkout` (a worker, whose loop runs only during a task), by a round trip for
      a connection that sat in the pool for PING_AFTER_IDLE_SECONDS or more.
    """
    connect_args: dict[str, Any] = {}
    engine_args: dict[str, Any] = {}
    is_asyncpg = settings.database_url.startswith("postgresql+asyncpg://")
    if is_asyncpg:
        connect_args = {
            "timeout": settings.database_connect_timeout,
            "command_timeout": settings.database_command_timeout,
        }
        engine_args = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_connect_timeout,
        }
    engine = create_async_engine(
        settings.database_url,
        # Other drivers: SQLAlchemy's own ping on every checkout.
        pool_pre_ping=ping_on_checkout and not is_asyncpg,
        connect_args=connect_args,
        echo=False,
        **engine_args,
    )
    if is_asyncpg:
        pool = engine.sync_engine.pool
        event.listen(pool, "checkout", _drop_closed_connection)
        if ping_on_checkout:
            event.listen(pool, "checkin", _note_return)
            event.listen(pool, "checkout", _ping_if_idle)
    return engine


def _drop_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Make the pool discard a connection asyncpg saw close, and take another."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


def _note_return(dbapi_connection: Any, record: Any) -> None:
    record.info["returned_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Ping a connection that idled in the pool; if the ping fails, the pool takes another."""
    returned_at = record.info.get("returned_at")  # None: a connection made just now
    if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as failure:
        raise DisconnectionError("the pooled connection did not answer a ping") from failure


READINESS_QUERY = text("SELECT 1")


async def check_database(state: State) -> None:
    """Readiness check: a query on a pooled connection."""
    engine: AsyncEngine = state.engine
    async with engine.connect() as connection:
        await connection.execute(READINESS_QUERY)
