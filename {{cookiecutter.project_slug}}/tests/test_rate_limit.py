"""Login rate limit: 5 attempts per minute per client IP and username; fails open without Redis."""

from __future__ import annotations

from httpx import AsyncClient
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.core.rate_limit import FixedWindowRateLimiter
from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.users import PASSWORD


async def test_sixth_login_attempt_in_a_minute_is_429(client: AsyncClient, user: User) -> None:
    form = {"username": user.email, "password": "wrong-password"}
    for _ in range(5):
        response = await client.post("/api/v1/auth/login", data=form)
        assert response.status_code == 401
    blocked = await client.post(
        "/api/v1/auth/login", data={"username": user.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    error = blocked.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["request_id"] == blocked.headers["X-Request-ID"]


async def test_limit_is_per_username(client: AsyncClient, user: User, other_user: User) -> None:
    for _ in range(6):
        await client.post("/api/v1/auth/login", data={"username": user.email, "password": "x"})
    response = await client.post(
        "/api/v1/auth/login", data={"username": other_user.email, "password": PASSWORD}
    )
    assert response.status_code == 200


async def test_fails_open_when_redis_is_down() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    limiter = FixedWindowRateLimiter(dead, prefix="test:", limit=1, window_seconds=60)
    try:
        for _ in range(3):
            result = await limiter.hit("127.0.0.1", "someone")
            assert result.allowed
    finally:
        await dead.aclose()
