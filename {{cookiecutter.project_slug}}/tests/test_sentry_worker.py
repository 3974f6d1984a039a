"""Sentry in the worker: a failing task is reported with the id of the request that enqueued it."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.sentry import REQUEST_ID_TAG
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import REQUEST_ID_HEADER, ServiceTask
from {{ cookiecutter.package_name }}.worker.signals import start_sentry
from tests.fixtures.sentry import SentrySink


@celery_app.task(bind=True, base=ServiceTask, name="tests.sentry_failing_task")
def failing_task(self: ServiceTask) -> None:
    """Fails on purpose."""
    raise RuntimeError("task exploded")


def test_task_failure_is_reported_with_the_enqueuing_request_id(
    sentry_sink: SentrySink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker starts Sentry from its own settings (the environment) on `celeryd_init`.
    monkeypatch.setenv("SENTRY_DSN", sentry_sink.dsn)
    get_settings.cache_clear()
    try:
        start_sentry()
    finally:
        monkeypatch.delenv("SENTRY_DSN")
        get_settings.cache_clear()

    result = failing_task.apply(headers={REQUEST_ID_HEADER: "request-that-enqueued"})
    assert result.failed()

    events = sentry_sink.wait_for_events(1)
    assert len(events) == 1
    event = events[0]
    assert event["tags"][REQUEST_ID_TAG] == "request-that-enqueued"
    assert event["exception"]["values"][-1]["value"] == "task exploded"
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "celery"
