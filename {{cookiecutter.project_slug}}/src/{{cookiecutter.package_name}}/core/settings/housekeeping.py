"""The scheduled housekeeping of the auth tables."""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class HousekeepingSettings(ServiceSettings):
    # Seconds between purges of expired refresh tokens (0 switches the task off).
    housekeeping_interval_seconds: int = Field(default=3600, ge=0)
