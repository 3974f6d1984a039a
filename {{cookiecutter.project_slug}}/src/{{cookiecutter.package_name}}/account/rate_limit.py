"""Per-IP limits of the two routes that send a link by email: forgot-password and
request-verification.

Each answers 202 whatever the address, and each account already gets at most one link per
EMAIL_RESEND_INTERVAL_SECONDS; this caps how many addresses one client can make the service mail
(someone spraying reset emails at a list of strangers, or burning the SMTP quota). Like the login
limit it fails open when Redis is down (see `core/rate_limit.py`).
"""

from __future__ import annotations

from fastapi import Request

from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.rate_limit import FixedWindowRateLimiter, client_ip
from {{ cookiecutter.package_name }}.core.redis import RedisDep


async def enforce_email_link_rate_limit(
    request: Request, redis: RedisDep, settings: SettingsDep
) -> None:
    """At most EMAIL_LINK_RATE_LIMIT requests per window from one client IP, per route."""
    limiter = FixedWindowRateLimiter(
        redis,
        prefix=f"{settings.redis_key_prefix}ratelimit:email-link:",
        limit=settings.email_link_rate_limit,
        window_seconds=settings.email_link_rate_limit_window_seconds,
    )
    await limiter.enforce(request.url.path, client_ip(request))
