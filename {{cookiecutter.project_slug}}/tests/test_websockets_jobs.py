{%- set auth = 'auth' in cookiecutter | features -%}
"""A job run by a real Celery worker pushes its state changes to its owner's socket.

The API (here: the jobs service, as `POST /api/v1/jobs` calls it) announces `queued`; the worker,
in a thread of this process on the real broker, announces `running` and `succeeded` over Redis.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from {{ cookiecutter.package_name }}.jobs import service
from {{ cookiecutter.package_name }}.jobs.models import Job
from {{ cookiecutter.package_name }}.jobs.schemas import JobCreate
from {{ cookiecutter.package_name }}.jobs.tasks import send_run_job
{%- if auth %}
from {{ cookiecutter.package_name }}.users.principal import Principal
{%- endif %}
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import close_runtimes
from tests.fixtures.live import LiveServer, Member, next_message, open_socket


@pytest.fixture(scope="module")
def worker(migrated_database: str) -> Iterator[None]:
    """A real worker on the real broker (solo pool), closing its database runtime at the end."""
    celery_app.control.purge()
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=15
    ):
        yield
    close_runtimes()


@pytest.mark.usefixtures("worker")
async def test_a_job_pushes_its_states_to_its_owner(
    live_server: LiveServer, member: Member, api_engine: AsyncEngine
) -> None:
    sessions = async_sessionmaker(api_engine, expire_on_commit=False)
    client, _ = await open_socket(live_server.url, member)
    async with client:
        async with sessions() as session:
            job, created = await service.enqueue_job(
                session,
{%- if auth %}
                Principal(member.id, False),
{%- endif %}
                JobCreate(),
                uuid.uuid4().hex,
                send=send_run_job,
            )
        assert created
        states: list[str] = []
        while not states or states[-1] not in {"succeeded", "failed"}:
            message = await next_message(client, "job")
            assert message["data"]["id"] == str(job.id)
            states.append(message["data"]["state"])
        async with sessions() as session:
            await session.execute(delete(Job).where(Job.id == job.id))
            await session.commit()
    assert states == ["queued", "running", "succeeded"]
