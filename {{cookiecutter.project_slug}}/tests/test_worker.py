"""The Celery application: its configuration, the task base, logging and the broker check."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from celery import Celery
from fastapi import FastAPI
from httpx import AsyncClient
from kombu.exceptions import OperationalError as KombuOperationalError

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.worker import app as discovered_app
from {{ cookiecutter.package_name }}.worker import health
from {{ cookiecutter.package_name }}.worker.app import celery_app, create_celery_app
from {{ cookiecutter.package_name }}.worker.base import REQUEST_ID_HEADER, ServiceTask, enqueue_headers
from {{ cookiecutter.package_name }}.worker.signals import configure_worker_logging


@celery_app.task(bind=True, base=ServiceTask, name="tests.bound_context")
def bound_context(self: ServiceTask) -> dict[str, Any]:
    """Returns what the task base bound to the logging context."""
    return dict(structlog.contextvars.get_contextvars())


@pytest.fixture
def dead_broker_app(dead_broker_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Celery]:
    """A Celery app configured like the real one, but pointed at a broker that is down."""
    # Celery prefers the CELERY_BROKER_URL environment variable to its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = get_settings().model_copy(update={"celery_broker_url": dead_broker_url})
    app = create_celery_app(settings)
    yield app
    app.close()


def test_celery_finds_the_app_as_worker_app() -> None:
    # `celery -A <package>.worker` looks for an attribute called `app`.
    assert discovered_app is celery_app


def test_configuration_is_safe_for_at_least_once_delivery() -> None:
    conf = celery_app.conf
    settings = get_settings()
    assert conf.broker_url == settings.celery_broker_url
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.result_accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert {queue.name for queue in conf.task_queues} == {"default", "housekeeping"}
    assert conf.task_default_queue == "default"
    assert conf.broker_connection_timeout == settings.celery_broker_timeout


def test_soft_time_limit_must_come_before_the_hard_one() -> None:
    with pytest.raises(ValueError, match="CELERY_TASK_SOFT_TIME_LIMIT=60 is not below"):
        Settings(celery_task_soft_time_limit=60, celery_task_time_limit=60)


def test_task_base_binds_the_request_id_from_the_message_headers() -> None:
    result = bound_context.apply(headers={REQUEST_ID_HEADER: "req-123"}, task_id="task-1")
    context = result.get()
    assert context["request_id"] == "req-123"
    assert context["task_id"] == "task-1"
    assert context["task"] == "tests.bound_context"
    # Nothing leaks into the caller's context.
    assert "task_id" not in structlog.contextvars.get_contextvars()


def test_enqueue_headers_carry_the_current_request_id() -> None:
    structlog.contextvars.bind_contextvars(request_id="abc")
    try:
        assert enqueue_headers() == {REQUEST_ID_HEADER: "abc"}
    finally:
        structlog.contextvars.clear_contextvars()
    assert enqueue_headers() == {}


def test_worker_logs_through_the_service_structlog_setup() -> None:
    configure_worker_logging()
    configure_worker_logging()  # Celery may send the signal again; still one handler
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter)
    ]
    assert len(handlers) == 1


def test_broker_ping_succeeds_against_the_real_broker() -> None:
    health.ping_broker(get_settings().celery_broker_url)


def test_publishing_to_a_dead_broker_fails_fast(dead_broker_app: Celery) -> None:
    started = time.monotonic()
    with pytest.raises(KombuOperationalError):
        dead_broker_app.send_task("tests.bound_context")
    assert time.monotonic() - started < 10


async def test_ready_reports_the_broker(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["status"] == "ok"


async def test_ready_fails_when_the_broker_is_down(
    app: FastAPI, client: AsyncClient, dead_broker_app: Celery
) -> None:
    app.state.celery_broker_url = dead_broker_app.conf.broker_url
    started = time.monotonic()
    response = await client.get("/health/ready")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["status"] == "fail"
    # The refusal itself, at once: not the readiness timeout of a check still retrying.
    assert broker["error"]
    assert "timed out" not in broker["error"]
    assert time.monotonic() - started < 5
