"""One trace from the API request through the Celery task it enqueued to the task's SQL.

A real app (committed sessions, the real broker) and a real worker (`start_worker`, in a thread of
this process), both traced into the test's in-memory exporter.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from asgi_lifespan import LifespanManager
from httpx import Response
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.jobs.models import Job, JobState
from {{ cookiecutter.package_name }}.main import create_app
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.models import User
{%- endif %}
from {{ cookiecutter.package_name }}.worker.runtime import close_runtimes, run_with_session
from tests.fixtures.client import client_for
from tests.fixtures.tracing import ancestors, hex_ids
{%- if 'auth' in cookiecutter | features %}
from tests.fixtures.users import auth_headers
{%- endif %}
from tests.fixtures.worker import running_worker

TIMEOUT = 30.0
SQL = "opentelemetry.instrumentation.sqlalchemy"


@pytest.fixture(scope="module")
def worker(migrated_database: str, span_exporter: InMemorySpanExporter) -> Iterator[None]:
    """The worker, started once the spans are captured, so that it is traced like the API."""
    with running_worker():
        yield
    close_runtimes()


@dataclass
class Caller:
    """Who posts the job, and the jobs to delete afterwards (all committed for real)."""

    headers: dict[str, str]
    jobs: list[uuid.UUID] = field(default_factory=list)


@pytest.fixture
def caller(migrated_database: str, settings: Settings) -> Iterator[Caller]:
{%- if 'auth' in cookiecutter | features %}

    async def create(session: AsyncSession) -> User:
        user = User(email=f"traced-{uuid.uuid4().hex[:12]}@example.com", hashed_password="x")
        session.add(user)
        await session.commit()
        return user

    user = run_with_session(create)
    yield Caller(headers=auth_headers(user, settings))

    async def remove(session: AsyncSession) -> None:
        # The user's jobs go with it.
        await session.execute(delete(User).where(User.id == user.id))
        await session.commit()
{%- else %}
    made = Caller(headers={})
    yield made

    async def remove(session: AsyncSession) -> None:
        await session.execute(delete(Job).where(Job.id.in_(made.jobs)))
        await session.commit()
{%- endif %}

    run_with_session(remove)


def post_job(settings: Settings, headers: dict[str, str]) -> Response:
    """`POST /api/v1/jobs` to an app of its own: its sessions commit, so the worker sees the job."""

    async def post() -> Response:
        app = create_app(settings)
        async with LifespanManager(app), client_for(app) as client:
            return await client.post(
                "/api/v1/jobs", json={}, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )

    return asyncio.run(post())


def wait_for_the_task_span(spans: InMemorySpanExporter) -> tuple[ReadableSpan, ...]:
    """The spans once a task run that finished its job has ended (the worker ends it last)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        finished = spans.get_finished_spans()
        runs = [s for s in finished if s.kind is SpanKind.CONSUMER]
        if any(run.attributes and run.attributes.get("celery.state") == "SUCCESS" for run in runs):
            return finished
        assert time.monotonic() < deadline, [span.name for span in finished]
        time.sleep(0.05)


def job_state(job_id: uuid.UUID) -> str:
    async def get(session: AsyncSession) -> str:
        job = await session.get(Job, job_id, populate_existing=True)
        assert job is not None
        return job.state

    return run_with_session(get)


@pytest.mark.usefixtures("worker")
def test_one_trace_spans_the_request_the_task_and_their_sql(
    spans: InMemorySpanExporter,
    caller: Caller,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    response = post_job(settings, caller.headers)
    assert response.status_code == 202, response.text
    job_id = uuid.UUID(response.json()["id"])
    caller.jobs.append(job_id)
    finished = wait_for_the_task_span(spans)
    assert job_state(job_id) == JobState.SUCCEEDED

    (server,) = [s for s in finished if s.kind is SpanKind.SERVER]
    assert server.name == "POST /api/v1/jobs"
    trace_id, server_span_id = hex_ids(server)
    in_trace = [s for s in finished if hex_ids(s)[0] == trace_id]
    publishes = [s for s in in_trace if s.kind is SpanKind.PRODUCER]
    runs = [s for s in in_trace if s.kind is SpanKind.CONSUMER]
    # The request published the task; each run of it continues the trace from that publish
    # (a run that found the job not yet committed published its own retry).
    assert publishes
    assert runs
    assert all(run.name == "run/jobs.run" for run in runs)
    first_publish = publishes[0]
    assert server in ancestors(first_publish, finished)
    for run in runs:
        assert run.parent is not None
        assert run.parent.is_remote
        assert run.parent.span_id in {p.context.span_id for p in publishes if p.context}

    def sql_under(span: ReadableSpan) -> list[str]:
        return [
            s.name
            for s in in_trace
            if s.instrumentation_scope is not None
            and s.instrumentation_scope.name == SQL
            and span in ancestors(s, finished)
        ]

    # The request's INSERT, and the task's own statements (claiming and finishing the job).
    assert any(name.startswith("INSERT") for name in sql_under(server))
    succeeded = [r for r in runs if r.attributes and r.attributes.get("celery.state") == "SUCCESS"]
    assert any(name.startswith("UPDATE") for name in sql_under(succeeded[-1]))

    # The log lines on both sides name the trace, and the span they were written in.
    lines = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    (access,) = [line for line in lines if line.get("path") == "/api/v1/jobs"]
    assert (access["trace_id"], access["span_id"]) == (trace_id, server_span_id)
    (done,) = [line for line in lines if line.get("event") == "job_succeeded"]
    assert done["trace_id"] == trace_id
    assert done["span_id"] == hex_ids(succeeded[-1])[1]
