"""Fixed-window rate limiting on Redis.

It fails open: when Redis is unreachable the request is allowed and a warning is logged, because
locking every user out of login is worse than a short window without brute-force protection.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import structlog
from fastapi import Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from {{ cookiecutter.package_name }}.core.errors import RateLimitedError

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RateLimitResult:
    """Whether the attempt is allowed, and how many seconds until the window resets."""

    allowed: bool
    retry_after: int


class FixedWindowRateLimiter:
    """At most `limit` hits per `window_seconds` for each key."""

    def __init__(self, redis: Redis, *, prefix: str, limit: int, window_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.limit = limit
        self.window_seconds = window_seconds

    def _key(self, *parts: str) -> str:
        # Hash the parts: they hold user input (usernames) that must not shape Redis keys.
        digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
        return f"{self.prefix}{digest}"

    async def hit(self, *parts: str) -> RateLimitResult:
        """Count one attempt for the key made of `parts`."""
        key = self._key(*parts)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=self.window_seconds, nx=True)
                pipe.incr(key)
                pipe.ttl(key)
                _, count, ttl = await pipe.execute()
        except (RedisError, OSError) as exc:
            logger.warning("rate_limit_unavailable", error=str(exc), fail_open=True)
            return RateLimitResult(allowed=True, retry_after=0)
        retry_after = max(int(ttl), 1)
        return RateLimitResult(allowed=int(count) <= self.limit, retry_after=retry_after)

    async def enforce(self, *parts: str) -> None:
        """Count one attempt; past the limit raise RateLimitedError (429 with Retry-After)."""
        result = await self.hit(*parts)
        if not result.allowed:
            raise RateLimitedError(result.retry_after)


def client_ip(request: Request) -> str:
    """The client address the limits key on (the proxy's, unless uvicorn runs --proxy-headers)."""
    return request.client.host if request.client else "unknown"
