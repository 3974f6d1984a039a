"""Celery signal handlers: the API's log format in the worker, and what the service's parts need at
start-up and shutdown.

Connecting `setup_logging` stops Celery from installing its own handlers, so the worker's and
beat's lines (Celery's own included) go through the same structlog processors as the API's.
"""

from __future__ import annotations

from typing import Any

from celery import signals

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.logging import configure_logging
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import init_sentry
{%- endif %}
{%- if 'opentelemetry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker import tracing as _tracing  # noqa: F401 (connects them)
{%- endif %}
{%- if 'db' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.runtime import close_runtimes
{%- endif %}


@signals.setup_logging.connect
def configure_worker_logging(**_: Any) -> None:
    """Use the service's structlog configuration instead of Celery's."""
    configure_logging(get_settings())
{%- if 'sentry' in cookiecutter | features %}


@signals.celeryd_init.connect
@signals.beat_init.connect
def start_sentry(**_: Any) -> None:
    """Report task failures to Sentry (when SENTRY_DSN is set); forked children inherit it."""
    init_sentry(get_settings())
{%- endif %}
{%- if 'db' in cookiecutter | features %}


@signals.worker_shutdown.connect
@signals.worker_process_shutdown.connect
def close_worker_runtime(**_: Any) -> None:
    """Return this process's database connections before it exits."""
    close_runtimes()
{%- endif %}
