"""Sentry: where errors are reported (nowhere when empty)."""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class SentrySettings(ServiceSettings):
    # Empty switches Sentry off. The environment defaults to ENVIRONMENT.
    sentry_dsn: str = ""
    sentry_environment: str = ""
    sentry_traces_sample_rate: float = Field(default=0.1, ge=0, le=1)
