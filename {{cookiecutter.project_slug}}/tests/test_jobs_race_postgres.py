"""Jobs under real concurrency on PostgreSQL: two connections, one waiting on the other's open
transaction. PostgreSQL lets a second transaction read past a row that is not committed yet, so
these are the interleavings the service must survive (SQLite's write lock rules them out:
`test_jobs_race_sqlite.py`)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.jobs import service
from tests.fixtures.jobs import HeldSend, Race, SentJobs

# Backends of this database that wait for a lock another transaction holds.
LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def a_backend_waits_for_a_lock(engine: AsyncEngine) -> None:
    # Autocommit: a transaction reads pg_stat_activity once and keeps that snapshot.
    async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        for _ in range(1000):
            if await connection.scalar(LOCK_WAITS):
                return
            await asyncio.sleep(0.01)
    raise AssertionError("no connection waited for a lock within 10 s")


async def test_a_concurrent_request_with_the_same_key_gets_the_winners_job(race: Race) -> None:
    winners_broker, losers_broker = HeldSend(), SentJobs()
    async with race.session() as first, race.session() as second:
        winning = asyncio.create_task(race.enqueue(first, winners_broker))
        await winners_broker.job_in_flight()  # the winner's row is flushed, not committed
        losing = asyncio.create_task(race.enqueue(second, losers_broker))
        # The loser looked for the key, found nothing yet, and its INSERT now waits on the
        # winner's uncommitted key; the winner's commit turns it into a unique violation.
        await a_backend_waits_for_a_lock(race.engine)
        winners_broker.released.set()
        winner, winner_created = await winning
        job, created = await losing
    assert winner_created
    assert (job.id, created) == (winner.id, False)
    assert winners_broker.ids == [winner.id]
    assert losers_broker.ids == []


async def test_a_delivery_before_the_commit_is_looked_for_again(race: Race) -> None:
    # The API publishes before it commits, so the worker can get the message first.
    broker = HeldSend()
    async with race.session() as api, race.session() as worker:
        enqueueing = asyncio.create_task(race.enqueue(api, broker))
        job = await broker.job_in_flight()
        early = await service.run_job(worker, job.id, max_attempts=5)
        assert early is service.RunOutcome.NOT_FOUND  # so the task looks again later
        broker.released.set()
        await enqueueing
        assert await service.run_job(worker, job.id, max_attempts=5) is service.RunOutcome.SUCCEEDED
        await api.refresh(job)
    assert job.attempts == 1
