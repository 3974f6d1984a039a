"""SQLite connections are set up for a file that the API and a worker share."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import get_session
from tests.fixtures.database import request_to


async def test_connections_enforce_foreign_keys_and_share_the_file_safely(
    api_engine: AsyncEngine,
) -> None:
    async with api_engine.connect() as connection:
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
    api_engine: AsyncEngine, method: str, autocommit: bool
) -> None:
    async with asynccontextmanager(get_session)(request_to(api_engine, method)) as session:
        await session.execute(text("SELECT 1"))
        raw = await (await session.connection()).get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # SQLite's own view: is a transaction (our BEGIN IMMEDIATE) open on this connection?
        assert driver.in_transaction is not autocommit


async def test_a_second_writer_waits_for_the_lock_instead_of_failing(
    api_engine: AsyncEngine,
) -> None:
    async with api_engine.connect() as first, api_engine.connect() as second:
        await first.begin()  # BEGIN IMMEDIATE: the write lock is held from here
        waiting = asyncio.create_task(second.begin().start())
        await asyncio.sleep(0.2)
        assert not waiting.done()  # queued on busy_timeout, not failed
        await first.commit()
        await asyncio.wait_for(waiting, timeout=5)
        await second.rollback()
