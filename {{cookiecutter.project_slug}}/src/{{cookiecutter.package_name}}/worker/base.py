"""The base class of every task, and the helpers that tasks and their publishers share.

The API passes its request id in the message headers (`enqueue_headers()`); the task binds it to
structlog's context, so the worker's log lines for a job carry the id of the request that made it.
"""

from __future__ import annotations

import random
from typing import Any

import structlog
from celery import Task

from {{ cookiecutter.package_name }}.core.errors import current_request_id
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import tag_request_id
{%- endif %}
{%- if 'db' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.runtime import SessionWork, T, run_with_session
{%- endif %}

REQUEST_ID_HEADER = "request_id"


def backoff_with_jitter(retries: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds before the next retry: base * 2**retries, capped, then scaled by 0.5-1.0."""
    ceiling = min(max_seconds, base_seconds * 2.0**retries)
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not cryptography)


def enqueue_headers() -> dict[str, str]:
    """Message headers that carry the current request id to the worker."""
    request_id = current_request_id()
    return {REQUEST_ID_HEADER: request_id} if request_id else {}


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

    def run_with_session(self, work: SessionWork[T], *, autocommit: bool = False) -> T:
        """Run `work(session)` with a database session that lives for this call only
        (`worker/runtime.py`: a loop and an engine per worker process)."""
        return run_with_session(work, autocommit=autocommit)
{%- endif %}
