"""Login's rate limit, kept with the cache (as `account/rate_limit.py` is for the email links)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.rate_limit import FixedWindowRateLimiter, client_ip
from {{ cookiecutter.package_name }}.core.redis import RedisDep


async def enforce_login_rate_limit(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],  # the login form (`LoginForm`)
    redis: RedisDep,
    settings: SettingsDep,
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
