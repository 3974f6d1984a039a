"""Celery signal handlers: the API's log format in the worker, and a clean shutdown.

Connecting `setup_logging` stops Celery from installing its own handlers, so the worker's and
beat's lines (Celery's own included) go through the same structlog processors as the API's.
"""

from __future__ import annotations

from typing import Any

from celery.signals import setup_logging{% if 'db' in cookiecutter | features %}, worker_process_shutdown, worker_shutdown{% endif %}

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.logging import configure_logging
{%- if 'db' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.base import close_runtimes
{%- endif %}


@setup_logging.connect
def configure_worker_logging(**_: Any) -> None:
    """Use the service's structlog configuration instead of Celery's."""
    configure_logging(get_settings())
{%- if 'db' in cookiecutter | features %}


@worker_shutdown.connect
@worker_process_shutdown.connect
def close_worker_runtime(**_: Any) -> None:
    """Return this process's database connections before it exits."""
    close_runtimes()
{%- endif %}
