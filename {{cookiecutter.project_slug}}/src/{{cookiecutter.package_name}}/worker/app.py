"""The Celery application, configured from the same `Settings` as the API.

Delivery is at-least-once: a task is acknowledged after it ran (`task_acks_late`) and redelivered
if its worker dies, so every task must be idempotent. Each worker process takes one message at a
time (`worker_prefetch_multiplier=1`), which keeps long tasks from starving the queue.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Queue

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
{%- if 'beat' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.schedule import beat_schedule
{%- endif %}

DEFAULT_QUEUE = "default"
HOUSEKEEPING_QUEUE = "housekeeping"

# Modules that define tasks, in the domains they serve; the worker imports them at start-up.
TASK_MODULES: list[str] = [
{%- for module in cookiecutter | task_modules %}
    "{{ cookiecutter.package_name }}.{{ module }}",{{ "\n" if loop.last }}
{%- endfor %}]


def broker_transport_options(settings: Settings) -> dict[str, Any]:
    """Socket timeouts, so publishing to a dead broker fails in seconds instead of hanging."""
{%- if 'broker_redis' in cookiecutter | features %}
    return {
        "socket_connect_timeout": settings.celery_broker_timeout,
        "socket_timeout": settings.celery_broker_timeout,
        # A message not acknowledged within this window is redelivered; keep it well above the
        # hard time limit and the longest retry countdown.
        "visibility_timeout": max(3600, settings.celery_task_time_limit * 4),
    }
{%- else %}
    # Publisher confirms: a publish returns only once RabbitMQ has taken the message.
    return {"confirm_publish": True, "connect_timeout": settings.celery_broker_timeout}
{%- endif %}


def configure(app: Celery, settings: Settings) -> None:
    """Apply the service's settings to `app` (tests call it again with their own settings)."""
    app.conf.update(
        broker_url=settings.celery_broker_url,
        result_backend=settings.celery_result_backend or None,
        # JSON only: no pickle, so a message from the network can never run code.
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        enable_utc=True,
        timezone="UTC",
        # At-least-once delivery: acknowledge after the task ran; redeliver if the worker died.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.celery_task_soft_time_limit,
        task_time_limit=settings.celery_task_time_limit,
        task_default_queue=DEFAULT_QUEUE,
        task_queues=(Queue(DEFAULT_QUEUE), Queue(HOUSEKEEPING_QUEUE)),
        task_routes={"housekeeping.*": {"queue": HOUSEKEEPING_QUEUE}},
        task_track_started=True,
        result_expires=24 * 3600,
        result_extended=True,
        # Publishing from the API must fail fast when the broker is down: bounded connect time,
        # and at most one quick retry instead of Celery's default of three with back-off.
        broker_connection_timeout=settings.celery_broker_timeout,
        broker_transport_options=broker_transport_options(settings),
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        },
        # The worker itself keeps trying to reach the broker at start-up and after a drop.
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        # Logging is configured by `worker.logging` (the API's structlog format).
        worker_hijack_root_logger=False,
{%- if 'flower' in cookiecutter | features %}
        # Task events feed Flower's live view. Each is a publish to the broker: three per task
        # from the worker and one per enqueue from the API.
        worker_send_task_events=True,
        task_send_sent_event=True,
{%- else %}
        # No task events: without Flower nobody listens, and they cost the worker a broker publish
        # at each step of a task (`celery control enable_events` turns them on for a while).
{%- endif %}
{%- if 'beat' in cookiecutter | features %}
        beat_schedule=beat_schedule(settings),
{%- endif %}
    )


def create_celery_app(settings: Settings | None = None) -> Celery:
    """Build the Celery application from `settings` (the process-wide settings by default)."""
    app = Celery(
        "{{ cookiecutter.package_name }}",
        task_cls="{{ cookiecutter.package_name }}.worker.base:ServiceTask",
        include=TASK_MODULES,
    )
    configure(app, settings or get_settings())
    return app


celery_app = create_celery_app()
