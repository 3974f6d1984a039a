"""The database layer's shortcuts keep their promises.

Fair admission to the pool, autocommit reads for GET and HEAD, and a connection the server closed
replaced without a ping on every checkout. (The benchmark in the template repository measured why.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.requests import Request

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import (
    SessionGate,
    create_engine,
    create_read_session_factory,
    create_session_factory,
    create_session_gate,
    get_session,
)

needs_postgres = pytest.mark.skipif(
    not get_settings().database_url.startswith("postgresql"), reason="PostgreSQL behaviour"
)


async def test_a_newcomer_does_not_overtake_a_waiting_request() -> None:
    gate = SessionGate(1, timeout=5)
    admitted: list[str] = []

    async def enter(name: str) -> None:
        async with gate():
            admitted.append(name)

    holder = gate()
    await holder.__aenter__()
    waiting = asyncio.create_task(enter("waiting"))
    await asyncio.sleep(0.01)  # `waiting` is now queued behind the holder
    await holder.__aexit__(None, None, None)
    await enter("newcomer")  # asks in the same tick as the release, before `waiting` runs
    await waiting
    assert admitted == ["waiting", "newcomer"]


async def test_the_gate_gives_up_with_the_pools_timeout_error() -> None:
    gate = SessionGate(1, timeout=0.05)
    async with gate():
        with pytest.raises(PoolTimeoutError, match=r"no database connection free within 0\.05 s"):
            async with gate():
                pass


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = create_engine(get_settings(), ping_on_checkout=False)
    yield engine
    await engine.dispose()


@needs_postgres
@pytest.mark.parametrize(
    ("method", "autocommit"), [("GET", True), ("HEAD", True), ("POST", False), ("PATCH", False)]
)
async def test_reads_run_in_autocommit_and_writes_in_a_transaction(
    engine: AsyncEngine, method: str, autocommit: bool
) -> None:
    state = SimpleNamespace(
        session_factory=create_session_factory(engine),
        read_session_factory=create_read_session_factory(engine),
        session_gate=create_session_gate(get_settings()),
    )
    app = SimpleNamespace(state=state)
    request = Request({"type": "http", "method": method, "headers": [], "app": app})
    async with asynccontextmanager(get_session)(request) as session:
        # now() is when the transaction began: fixed inside one, new for each autocommit statement.
        first = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.01)
        second = await session.scalar(text("SELECT now()"))
    assert (first != second) is autocommit


@needs_postgres
async def test_a_closed_connection_is_replaced_without_a_ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        victim = await connection.scalar(text("SELECT pg_backend_pid()"))
    # The connection now idles in the pool; the server ends it (as a restart or failover would).
    admin = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
    finally:
        await admin.dispose()
    await asyncio.sleep(0.2)  # asyncpg sees the connection close

    async with engine.connect() as connection:
        replacement = await connection.scalar(text("SELECT pg_backend_pid()"))
    assert replacement != victim
