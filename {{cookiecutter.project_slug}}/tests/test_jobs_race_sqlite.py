"""Jobs under real concurrency on SQLite: two connections to the file. Every write transaction
begins with `BEGIN IMMEDIATE` (`core/db_sqlite.py`), so the second one waits for the first to
commit and then sees its row: no request or delivery ever reads past an uncommitted job."""

from __future__ import annotations

import asyncio

from {{ cookiecutter.package_name }}.jobs import service
from tests.fixtures.jobs import HeldSend, Race, SentJobs

# Long enough for the waiting side to reach the lock; the assertions hold whatever it is.
HEAD_START = 0.2


async def test_a_concurrent_request_with_the_same_key_waits_and_gets_the_winners_job(
    race: Race,
) -> None:
    winners_broker, losers_broker = HeldSend(), SentJobs()
    async with race.session() as first, race.session() as second:
        winning = asyncio.create_task(race.enqueue(first, winners_broker))
        await winners_broker.job_in_flight()
        losing = asyncio.create_task(race.enqueue(second, losers_broker))
        await asyncio.sleep(HEAD_START)
        assert not losing.done()  # it waits for the winner's write lock
        winners_broker.released.set()
        winner, winner_created = await winning
        job, created = await losing
    assert winner_created
    assert (job.id, created) == (winner.id, False)
    assert (winners_broker.ids, losers_broker.ids) == ([winner.id], [])


async def test_a_delivery_before_the_commit_waits_for_it_and_runs_the_job(race: Race) -> None:
    # The API publishes before it commits, so the worker can get the message first.
    broker = HeldSend()
    async with race.session() as api, race.session() as worker:
        enqueueing = asyncio.create_task(race.enqueue(api, broker))
        job = await broker.job_in_flight()
        delivery = asyncio.create_task(service.run_job(worker, job.id, max_attempts=5))
        await asyncio.sleep(HEAD_START)
        assert not delivery.done()  # its claim waits for the API's write lock
        broker.released.set()
        await enqueueing
        assert await delivery is service.RunOutcome.SUCCEEDED
        await api.refresh(job)
    assert job.attempts == 1
