"""PostgreSQL: autocommit reads, and a connection the server closed replaced without a ping on
every checkout: in the API at no cost, in a worker by a ping only after the connection idled. (The
benchmark in the template repository measured why.)"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from {{ cookiecutter.package_name }}.core import db_postgresql
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import create_engine, get_session
from tests.fixtures.database import request_to


@pytest.mark.parametrize(
    ("method", "autocommit"), [("GET", True), ("HEAD", True), ("POST", False), ("PATCH", False)]
)
async def test_reads_run_in_autocommit_and_writes_in_a_transaction(
    api_engine: AsyncEngine, method: str, autocommit: bool
) -> None:
    async with asynccontextmanager(get_session)(request_to(api_engine, method)) as session:
        # now() is when the transaction began: fixed inside one, new for each autocommit statement.
        first = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.01)
        second = await session.scalar(text("SELECT now()"))
    assert (first != second) is autocommit


async def backend_pid(engine: AsyncEngine) -> int:
    """The server process of the connection the pool hands out next."""
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT pg_backend_pid()"))
    pid: int = result.scalar_one()
    return pid


async def terminate_backend(engine: AsyncEngine, pid: int) -> None:
    """End a connection from the server's side, as a restart or a failover would."""
    admin = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_a_closed_connection_is_replaced_without_a_ping(api_engine: AsyncEngine) -> None:
    victim = await backend_pid(api_engine)  # it now idles in the pool
    await terminate_backend(api_engine, victim)
    await asyncio.sleep(0.2)  # asyncpg sees the connection close
    assert await backend_pid(api_engine) != victim


def test_a_worker_gets_a_live_connection_after_the_server_closed_an_idle_one(
    migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's event loop runs only during a task, so asyncpg cannot see the server close a
    pooled connection in between: the ping of a connection that idled finds it instead."""
    monkeypatch.setattr(db_postgresql, "PING_AFTER_IDLE_SECONDS", 0.05)  # shipped: 1 s
    engine = create_engine(get_settings())  # as the worker makes it
    task = asyncio.new_event_loop()  # each run_until_complete on it is one task
    elsewhere = asyncio.new_event_loop()  # the server's side; `task` does not run meanwhile
    try:
        victim = task.run_until_complete(backend_pid(engine))
        elsewhere.run_until_complete(terminate_backend(engine, victim))
        time.sleep(db_postgresql.PING_AFTER_IDLE_SECONDS)
        assert task.run_until_complete(backend_pid(engine)) != victim
    finally:
        task.run_until_complete(engine.dispose())
        task.close()
        elsewhere.close()
