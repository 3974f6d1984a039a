"""Per-IP limits of forgot-password and request-verification, counted in the real Redis."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings

LINK_ROUTES = ("/api/v1/auth/forgot-password", "/api/v1/auth/request-verification")


def stranger() -> dict[str, str]:
    """A body with an address that has no account: the answer is 202 and no email leaves."""
    return {"email": f"nobody-{uuid.uuid4().hex[:12]}@example.com"}


def client_from(app: FastAPI, ip: str, like: AsyncClient) -> AsyncClient:
    """A client calling from `ip`, with the same headers and cookies (CSRF pair) as `like`."""
    transport = ASGITransport(app=app, client=(ip, 40000))
    return AsyncClient(
        transport=transport, base_url=like.base_url, headers=like.headers, cookies=like.cookies
    )


@pytest.mark.parametrize("path", LINK_ROUTES)
async def test_one_ip_gets_429_past_the_limit(
    app: FastAPI, client: AsyncClient, settings: Settings, path: str
) -> None:
    settings.email_link_rate_limit = 3
    for _ in range(3):
        assert (await client.post(path, json=stranger())).status_code == 202
    blocked = await client.post(path, json=stranger())
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= settings.email_link_rate_limit_window_seconds
    error = blocked.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["request_id"] == blocked.headers["X-Request-ID"]

    # Another client IP has its own count, and so has the other route.
    async with client_from(app, "203.0.113.7", client) as elsewhere:
        assert (await elsewhere.post(path, json=stranger())).status_code == 202
    (other_route,) = set(LINK_ROUTES) - {path}
    assert (await client.post(other_route, json=stranger())).status_code == 202


async def test_the_window_reopens(app: FastAPI, client: AsyncClient, settings: Settings) -> None:
    settings.email_link_rate_limit = 1
    settings.email_link_rate_limit_window_seconds = 1
    path = LINK_ROUTES[0]
    assert (await client.post(path, json=stranger())).status_code == 202
    blocked = await client.post(path, json=stranger())
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "1"
    # The window is one Redis key that expires with it (at most 1000 ms from now). End it now
    # rather than wait: once the key is gone, the client may send again.
    redis = app.state.redis
    (window,) = [key async for key in redis.scan_iter(match=f"{settings.redis_key_prefix}*")]
    assert 0 < await redis.pttl(window) <= 1000
    await redis.delete(window)
    assert (await client.post(path, json=stranger())).status_code == 202


def test_openapi_declares_the_429(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in LINK_ROUTES:
        assert "429" in paths[path]["post"]["responses"]
