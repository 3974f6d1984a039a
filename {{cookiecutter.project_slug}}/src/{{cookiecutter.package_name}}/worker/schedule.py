"""Beat's schedule, in code; each interval can be overridden from the settings (environment)."""

from __future__ import annotations

from typing import Any

from {{ cookiecutter.package_name }}.core.config import Settings


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The periodic tasks beat sends. An interval of 0 switches that task off."""
    schedule: dict[str, dict[str, Any]] = {}
{%- if 'auth' in cookiecutter | features %}
    if settings.housekeeping_interval_seconds > 0:
        schedule["purge-expired-refresh-tokens"] = {
            "task": "housekeeping.purge_expired_refresh_tokens",
            "schedule": float(settings.housekeeping_interval_seconds),
            # A purge that waited longer than one interval is superseded by the next one.
            "options": {"expires": float(settings.housekeeping_interval_seconds)},
        }
{%- if 'email' in cookiecutter | features %}
        schedule["purge-expired-email-tokens"] = {
            "task": "housekeeping.purge_expired_email_tokens",
            "schedule": float(settings.housekeeping_interval_seconds),
            "options": {"expires": float(settings.housekeeping_interval_seconds)},
        }
{%- endif %}
{%- endif %}
    return schedule
