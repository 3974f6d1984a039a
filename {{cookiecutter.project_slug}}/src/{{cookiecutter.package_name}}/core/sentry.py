"""Error reporting to Sentry, switched on by SENTRY_DSN (empty = off).

Every event carries the request id as the `request_id` tag: the request-context middleware sets
it for API requests, the task base for tasks, so a Sentry issue leads to the log lines of the
same request (and of the jobs it enqueued).
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
{%- if 'celery' in cookiecutter | features %}
from sentry_sdk.integrations.celery import CeleryIntegration
{%- endif %}
from sentry_sdk.integrations.fastapi import FastApiIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.core.config import Settings

REQUEST_ID_TAG = "request_id"


def init_sentry(settings: Settings, **options: Any) -> bool:
    """Start the Sentry SDK when SENTRY_DSN is set; return whether it runs.

    `options` go to `sentry_sdk.init` as they are (tests pass their own).
    """
    if not settings.sentry_dsn:
        return False
    integrations: list[Any] = [
        StarletteIntegration(),
        FastApiIntegration(),
    ]
{%- if 'celery' in cookiecutter | features %}
    integrations.append(CeleryIntegration())
{%- endif %}
    # send_default_pii stays unset, which means off: no IP addresses, cookies, credentials or
    # request bodies leave the service (newer SDKs call this setting `data_collection`).
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.sentry_environment or settings.environment,
        release=f"{{ cookiecutter.project_slug }}@{__version__}",
        traces_sample_rate=settings.sentry_traces_sample_rate,
        # Frames' local variables include the raw ASGI scope, whose header list (Authorization,
        # Cookie) the SDK's scrubber does not reach: send code and line numbers, not values.
        include_local_variables=False,
        integrations=integrations,
        **options,
    )
    return True


def tag_request_id(request_id: str | None) -> None:
    """Tag the events of the current request or task with its request id."""
    if request_id:
        sentry_sdk.set_tag(REQUEST_ID_TAG, request_id)


def report_unhandled(exc: BaseException) -> None:
    """Send an exception the service answered with a 500 itself, so Sentry's ASGI layer never
    saw it. Call it before logging the exception: Sentry drops the log line's copy as a repeat."""
    sentry_sdk.capture_exception(exc)
