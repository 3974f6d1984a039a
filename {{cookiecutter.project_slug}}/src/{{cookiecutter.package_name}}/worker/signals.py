"""Celery signal handlers: the API's log format in the worker{% if 'sentry' in cookiecutter | features %}, Sentry{% endif %} and a clean shutdown.

Connecting `setup_logging` stops Celery from installing its own handlers, so the worker's and
beat's lines (Celery's own included) go through the same structlog processors as the API's.
"""

from __future__ import annotations

from typing import Any
{%- if 'sentry' in cookiecutter | features %}

from celery.signals import (
    beat_init,
    celeryd_init,
    setup_logging,
{%- if 'db' in cookiecutter | features %}
    worker_process_shutdown,
    worker_shutdown,
{%- endif %}
)
{%- else %}

from celery.signals import setup_logging{% if 'db' in cookiecutter | features %}, worker_process_shutdown, worker_shutdown{% endif %}
{%- endif %}

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.logging import configure_logging
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import init_sentry
{%- endif %}
{%- if 'db' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.base import close_runtimes
{%- endif %}


@setup_logging.connect
def configure_worker_logging(**_: Any) -> None:
    """Use the service's structlog configuration instead of Celery's."""
    configure_logging(get_settings())
{%- if 'sentry' in cookiecutter | features %}


@celeryd_init.connect
@beat_init.connect
def start_sentry(**_: Any) -> None:
    """Report task failures to Sentry (when SENTRY_DSN is set); forked children inherit it."""
    init_sentry(get_settings())
{%- endif %}
{%- if 'db' in cookiecutter | features %}


@worker_shutdown.connect
@worker_process_shutdown.connect
def close_worker_runtime(**_: Any) -> None:
    """Return this process's database connections before it exits."""
    close_runtimes()
{%- endif %}
