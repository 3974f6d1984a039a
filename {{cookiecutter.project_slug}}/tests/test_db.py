"""The database layer's shortcuts keep their promises: fair admission to the pool, and aware UTC
datetimes on every database. (test_db_{{ 'sqlite' if 'sqlite' in cookiecutter | features else 'postgres' }}.py has what is particular to the database.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select, type_coerce
from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.core.db import SessionGate, UTCDateTime


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


async def test_datetimes_come_back_aware_in_utc(api_engine: AsyncEngine) -> None:
    sent = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))
    value = type_coerce(bindparam("value", sent, type_=UTCDateTime()), UTCDateTime())
    async with api_engine.connect() as connection:
        received = await connection.scalar(select(value))
    assert received == sent
    assert received.tzinfo == UTC


async def test_naive_datetimes_are_refused(api_engine: AsyncEngine) -> None:
    naive = bindparam("value", datetime(2030, 1, 2), type_=UTCDateTime())
    async with api_engine.connect() as connection:
        with pytest.raises(StatementError, match="naive datetime"):
            await connection.scalar(select(naive))
