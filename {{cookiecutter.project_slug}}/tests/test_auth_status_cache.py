"""Authentication reads no user row on most requests, and revocation still arrives in time.

Each process keeps every user's status (active? administrator?) for AUTH_STATUS_CACHE_SECONDS
(`users/principal.py`). Here the bound is short, so the tests can wait it out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.users.models import User

BOUND_S = 0.5


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_status_cache_seconds": BOUND_S})


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the tests' database receives while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])  # (connection, cursor, statement, ...)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", record)


async def wait_for_status(client: AsyncClient, headers: dict[str, str], status: int) -> float:
    """Seconds until GET /users/me answers `status` (polling every 20 ms, at most 5 s)."""
    started = time.monotonic()
    while (await client.get("/api/v1/users/me", headers=headers)).status_code != status:
        assert time.monotonic() - started < 5, f"still not {status} after 5 s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_a_known_user_is_authenticated_without_a_query(
    client: AsyncClient, superuser_headers: dict[str, str], statements: list[str]
) -> None:
    def status_reads(sql: list[str]) -> int:
        return sum(1 for s in sql if s.startswith("SELECT users.is_active, users.is_superuser \n"))

    first = await client.get("/api/v1/users?limit=1", headers=superuser_headers)
    on_first = list(statements)
    second = await client.get("/api/v1/users?limit=1", headers=superuser_headers)
    on_second = statements[len(on_first) :]
    assert first.status_code == second.status_code == 200
    assert status_reads(on_first) == 1, on_first
    assert status_reads(on_second) == 0, on_second
    assert any("FROM users ORDER BY" in s for s in on_second), "the route itself still queries"


async def test_deactivation_through_the_api_refuses_the_token_at_once(
    client: AsyncClient,
    user: User,
    user_headers: dict[str, str],
    superuser_headers: dict[str, str],
) -> None:
    assert (await client.get("/api/v1/users/me", headers=user_headers)).status_code == 200
    patched = await client.patch(
        f"/api/v1/users/{user.id}", headers=superuser_headers, json={"is_active": False}
    )
    assert patched.status_code == 200
    refused = await client.get("/api/v1/users/me", headers=user_headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "inactive_user"


async def test_a_change_made_elsewhere_is_seen_within_the_bound(
    client: AsyncClient, user: User, user_headers: dict[str, str], session: AsyncSession
) -> None:
    # Another process (an admin in another worker, a SQL console) deactivates, then deletes.
    assert (await client.get("/api/v1/users/me", headers=user_headers)).status_code == 200
    user.is_active = False
    await session.commit()
    assert await wait_for_status(client, user_headers, 403) <= BOUND_S + 0.25
    await session.delete(user)
    await session.commit()
    assert await wait_for_status(client, user_headers, 401) <= BOUND_S + 0.25


async def test_a_demoted_administrator_loses_the_admin_routes_at_once(
    client: AsyncClient,
    superuser: User,
    superuser_headers: dict[str, str],
) -> None:
    assert (await client.get("/api/v1/users", headers=superuser_headers)).status_code == 200
    demoted = await client.patch(
        f"/api/v1/users/{superuser.id}", headers=superuser_headers, json={"is_superuser": False}
    )
    assert demoted.status_code == 200
    assert (await client.get("/api/v1/users", headers=superuser_headers)).status_code == 403


def test_the_bound_is_at_most_a_minute() -> None:
    with pytest.raises(ValueError, match="auth_status_cache_seconds"):
        Settings(auth_status_cache_seconds=3600)
