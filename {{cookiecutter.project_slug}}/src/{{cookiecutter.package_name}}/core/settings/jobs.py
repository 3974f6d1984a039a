"""The example jobs: how often, and how patiently, a failed job is retried."""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class JobsSettings(ServiceSettings):
    job_max_retries: int = Field(default=5, ge=0)
    job_retry_backoff_seconds: float = Field(default=2.0, gt=0)
    job_retry_backoff_max_seconds: float = Field(default=300.0, gt=0)
