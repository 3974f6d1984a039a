"""The database layer's shortcuts keep their promises.
{%- if 'sqlite' in cookiecutter | features %}

Fair admission to the pool, aware UTC datetimes, autocommit reads for GET and HEAD, and SQLite
connections set up for a file that the API and a worker share.
{%- else %}

Fair admission to the pool, aware UTC datetimes, autocommit reads for GET and HEAD, and a
connection the server closed replaced without a ping on every checkout. (The benchmark in the
template repository measured why.)
{%- endif %}
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import bindparam, select, text, type_coerce
from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
{%- if 'sqlite' in cookiecutter | features %}
from sqlalchemy.ext.asyncio import AsyncEngine
{%- else %}
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
{%- endif %}
from starlette.requests import Request

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import (
    SessionGate,
    UTCDateTime,
    create_engine,
    create_read_session_factory,
    create_session_factory,
    create_session_gate,
    get_session,
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
async def engine(migrated_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(get_settings(), ping_on_checkout=False)
    yield engine
    await engine.dispose()


async def test_datetimes_come_back_aware_in_utc(engine: AsyncEngine) -> None:
    sent = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))
    value = type_coerce(bindparam("value", sent, type_=UTCDateTime()), UTCDateTime())
    async with engine.connect() as connection:
        received = await connection.scalar(select(value))
    assert received == sent
    assert received.tzinfo == UTC


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    naive = bindparam("value", datetime(2030, 1, 2), type_=UTCDateTime())
    async with engine.connect() as connection:
        with pytest.raises(StatementError, match="naive datetime"):
            await connection.scalar(select(naive))


def request_to(engine: AsyncEngine, method: str) -> Request:
    """A `method` request to an app whose session factories use `engine`."""
    state = SimpleNamespace(
        session_factory=create_session_factory(engine),
        read_session_factory=create_read_session_factory(engine),
        session_gate=create_session_gate(get_settings()),
    )
    app = SimpleNamespace(state=state)
    return Request({"type": "http", "method": method, "headers": [], "app": app})
{%- if 'sqlite' in cookiecutter | features %}


async def test_connections_enforce_foreign_keys_and_share_the_file_safely(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        pragmas = {
            name: await connection.scalar(text(f"PRAGMA {name}"))
            for name in ("foreign_keys", "journal_mode", "busy_timeout")
        }
    timeout_ms = round(get_settings().database_connect_timeout * 1000)
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": timeout_ms}


@pytest.mark.parametrize(
    ("method", "autocommit"), [("GET", True), ("HEAD", True), ("POST", False), ("PATCH", False)]
)
async def test_reads_run_in_autocommit_and_writes_in_a_transaction(
    engine: AsyncEngine, method: str, autocommit: bool
) -> None:
    async with asynccontextmanager(get_session)(request_to(engine, method)) as session:
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # SQLite's own view: is a transaction (our BEGIN IMMEDIATE) open on this connection?
        assert driver.in_transaction is not autocommit


async def test_a_second_writer_waits_for_the_lock_instead_of_failing(engine: AsyncEngine) -> None:
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()  # BEGIN IMMEDIATE: the write lock is held from here
        waiting = asyncio.create_task(second.begin().start())
        await asyncio.sleep(0.2)
        assert not waiting.done()  # queued on busy_timeout, not failed
        await first.commit()
        await asyncio.wait_for(waiting, timeout=5)
        await second.rollback()
{%- else %}


@pytest.mark.parametrize(
    ("method", "autocommit"), [("GET", True), ("HEAD", True), ("POST", False), ("PATCH", False)]
)
async def test_reads_run_in_autocommit_and_writes_in_a_transaction(
    engine: AsyncEngine, method: str, autocommit: bool
) -> None:
    async with asynccontextmanager(get_session)(request_to(engine, method)) as session:
        # now() is when the transaction began: fixed inside one, new for each autocommit statement.
        first = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.01)
        second = await session.scalar(text("SELECT now()"))
    assert (first != second) is autocommit


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
{%- endif %}
