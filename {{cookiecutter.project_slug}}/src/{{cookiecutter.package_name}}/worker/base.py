"""The base class of every task: request-id logging{% if 'db' in cookiecutter | features %} and an async database session per task{% endif %}.

The API passes its request id in the message headers (`enqueue_headers()`); the task binds it to
structlog's context, so the worker's log lines for a job carry the id of the request that made it.
{%- if 'db' in cookiecutter | features %}

Tasks are synchronous functions; database work is a coroutine run on an event loop owned by the
worker process (and thread). Engines are never shared across a fork: a child process that finds
the runtime of another pid builds its own.
{%- endif %}
"""

from __future__ import annotations

{% if 'db' in cookiecutter | features -%}
import asyncio
import os
import random
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from celery import Task
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import (
    create_autocommit_session_factory,
    create_engine,
    create_session_factory,
)
from {{ cookiecutter.package_name }}.core.errors import current_request_id
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import tag_request_id
{%- endif %}
{%- else -%}
import random
from typing import Any

import structlog
from celery import Task

from {{ cookiecutter.package_name }}.core.errors import current_request_id
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import tag_request_id
{%- endif %}
{%- endif %}

REQUEST_ID_HEADER = "request_id"
{%- if 'db' in cookiecutter | features %}

T = TypeVar("T")
{%- endif %}


def backoff_with_jitter(retries: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds before the next retry: base * 2**retries, capped, then scaled by 0.5-1.0."""
    ceiling = min(max_seconds, base_seconds * 2.0**retries)
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not cryptography)


def enqueue_headers() -> dict[str, str]:
    """Message headers that carry the current request id to the worker."""
    request_id = current_request_id()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}
{%- if 'db' in cookiecutter | features %}


class WorkerRuntime:
    """An event loop and a database engine that belong to one process and thread."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.engine: AsyncEngine = create_engine(get_settings())
        self.sessions: async_sessionmaker[AsyncSession] = create_session_factory(self.engine)
        self.autocommit_sessions: async_sessionmaker[AsyncSession] = (
            create_autocommit_session_factory(self.engine)
        )

    def close(self) -> None:
        """Close the pooled connections, then the loop."""
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()


_runtimes: dict[int, WorkerRuntime] = {}  # by thread id
_runtimes_lock = threading.Lock()


def current_runtime() -> WorkerRuntime:
    """This thread's runtime, built on first use (and again after a fork)."""
    thread = threading.get_ident()
    with _runtimes_lock:
        runtime = _runtimes.get(thread)
        if runtime is None or runtime.pid != os.getpid():
            # A runtime inherited through fork holds the parent's sockets: drop it unclosed.
            runtime = _runtimes[thread] = WorkerRuntime()
    return runtime


def close_runtimes() -> None:
    """Dispose of every runtime this process built (on worker shutdown, and after tests)."""
    with _runtimes_lock:
        runtimes = list(_runtimes.values())
        _runtimes.clear()
    for runtime in runtimes:
        if runtime.pid == os.getpid():
            runtime.close()


def run_with_session(
    work: Callable[[AsyncSession], Awaitable[T]], *, autocommit: bool = False
) -> T:
    """Run `work(session)` to completion on this worker's loop, with a fresh session.

    `autocommit=True` is for work whose every statement stands alone (see `jobs.service.run_job`).
    """
    runtime = current_runtime()
    sessions = runtime.autocommit_sessions if autocommit else runtime.sessions

    async def call() -> T:
        async with sessions() as session:
            return await work(session)

    return runtime.loop.run_until_complete(call())
{%- endif %}


class ServiceTask(Task):  # type: ignore[type-arg]
    """Binds `request_id`, `task_id` and `task` to every log line the task writes."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        headers = request.headers or {}
        request_id = getattr(request, REQUEST_ID_HEADER, None) or headers.get(REQUEST_ID_HEADER)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, task_id=request.id, task=self.name
        )
{%- if 'sentry' in cookiecutter | features %}
        # Sentry's Celery integration gives each task its own scope: the tag stays with this task.
        tag_request_id(request_id)
{%- endif %}
        try:
            return super().__call__(*args, **kwargs)
        finally:
            structlog.contextvars.clear_contextvars()
{%- if 'db' in cookiecutter | features %}

    def run_with_session(
        self, work: Callable[[AsyncSession], Awaitable[T]], *, autocommit: bool = False
    ) -> T:
        """Run `work(session)` with a database session that lives for this call only."""
        return run_with_session(work, autocommit=autocommit)
{%- endif %}
