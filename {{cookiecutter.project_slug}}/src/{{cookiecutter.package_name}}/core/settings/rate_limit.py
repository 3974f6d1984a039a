"""Rate limits kept in Redis: logins{% if 'email' in cookiecutter | features %}, and the requests that send email links{% endif %}."""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class RateLimitSettings(ServiceSettings):
    login_rate_limit: int = Field(default=5, ge=1)
    login_rate_limit_window_seconds: int = Field(default=60, ge=1)
{%- if 'email' in cookiecutter | features %}
    # Forgot-password and request-verification requests per client IP (each route) per window.
    email_link_rate_limit: int = Field(default=10, ge=1)
    email_link_rate_limit_window_seconds: int = Field(default=900, ge=1)
{%- endif %}
