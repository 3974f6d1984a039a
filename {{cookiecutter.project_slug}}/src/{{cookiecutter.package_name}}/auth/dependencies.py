"""Typed dependencies of login: its form{% if 'cache' in cookiecutter | features %}, its rate limit{% endif %} and its documented answers. Who a request
acts for is in `users/dependencies.py`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends{% if 'cache' in cookiecutter | features %}, Request{% endif %}
from fastapi.security import OAuth2PasswordRequestForm

{% if 'cache' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.core.config import SettingsDep
{% endif -%}
from {{ cookiecutter.package_name }}.core.errors import error_responses
{%- if 'cache' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.rate_limit import FixedWindowRateLimiter, client_ip
from {{ cookiecutter.package_name }}.core.redis import RedisDep
{%- endif %}

LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]
{%- if 'cache' in cookiecutter | features %}


async def enforce_login_rate_limit(
    request: Request, form: LoginForm, redis: RedisDep, settings: SettingsDep
) -> None:
    """At most LOGIN_RATE_LIMIT attempts per window for one client IP and username.

    Fails open (allows, logs a warning) when Redis is down: see `core/rate_limit.py`.
    """
    limiter = FixedWindowRateLimiter(
        redis,
        prefix=f"{settings.redis_key_prefix}ratelimit:login:",
        limit=settings.login_rate_limit,
        window_seconds=settings.login_rate_limit_window_seconds,
    )
    await limiter.enforce(client_ip(request), form.username.lower())
{%- endif %}


# The login route's guard and documented answers, the same in both authentication modes.
LOGIN_ROUTE: dict[str, Any] = {
{%- if 'cache' in cookiecutter | features %}
    "dependencies": [Depends(enforce_login_rate_limit)],
    "responses": error_responses(401, 403, 422, 429, 503),
{%- else %}
    "responses": error_responses(401, 403, 422, 503),
{%- endif %}
}
