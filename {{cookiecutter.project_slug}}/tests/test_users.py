"""The current user's profile, and admin-only user management."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.security import verify_password
from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.users import issued_tokens, post_login, post_with_refresh_token


async def test_read_me(client: AsyncClient, user: User, user_headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/users/me", headers=user_headers)
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)
    assert response.json()["is_superuser"] is False


async def test_update_me_changes_email_and_password(
    client: AsyncClient, user: User, user_headers: dict[str, str], session: AsyncSession
) -> None:
    response = await client.patch(
        "/api/v1/users/me",
        headers=user_headers,
        json={"email": "Renamed@Example.com", "password": "a-new-password"},
    )
    assert response.status_code == 200
    assert response.json()["email"] == "renamed@example.com"
    await session.refresh(user)
    assert verify_password("a-new-password", user.hashed_password)


@pytest.mark.parametrize("field", ["is_superuser", "is_active", "hashed_password", "id"])
async def test_user_cannot_escalate_through_update_me(
    client: AsyncClient, user_headers: dict[str, str], field: str
) -> None:
    response = await client.patch("/api/v1/users/me", headers=user_headers, json={field: True})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", field]
    me = await client.get("/api/v1/users/me", headers=user_headers)
    assert me.json()["is_superuser"] is False


async def test_update_me_to_a_taken_email_is_409(
    client: AsyncClient, user_headers: dict[str, str], other_user: User
) -> None:
    response = await client.patch(
        "/api/v1/users/me", headers=user_headers, json={"email": other_user.email}
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/users/{id}"),
        ("PATCH", "/api/v1/users/{id}"),
        ("DELETE", "/api/v1/users/{id}"),
    ],
)
async def test_admin_routes_refuse_regular_users(
    client: AsyncClient, user: User, user_headers: dict[str, str], method: str, path: str
) -> None:
    response = await client.request(
        method,
        path.format(id=user.id),
        headers=user_headers,
        json={"is_superuser": True} if method == "PATCH" else None,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_superuser"


async def test_admin_lists_users_with_paging(
    client: AsyncClient, superuser_headers: dict[str, str], user: User, other_user: User
) -> None:
    response = await client.get(
        "/api/v1/users", headers=superuser_headers, params={"limit": 2, "offset": 0}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["limit"] == 2
    assert body["offset"] == 0
    assert body["total"] >= 3
    assert len(body["items"]) == 2


async def test_admin_reads_updates_and_deletes_a_user(
    client: AsyncClient, superuser_headers: dict[str, str], user: User
) -> None:
    path = f"/api/v1/users/{user.id}"
    assert (await client.get(path, headers=superuser_headers)).json()["email"] == user.email

    patched = await client.patch(
        path, headers=superuser_headers, json={"is_superuser": True, "is_active": False}
    )
    assert patched.status_code == 200
    assert patched.json()["is_superuser"] is True
    assert patched.json()["is_active"] is False

    assert (await client.delete(path, headers=superuser_headers)).status_code == 204
    assert (await client.get(path, headers=superuser_headers)).status_code == 404


async def test_admin_unknown_user_is_404(
    client: AsyncClient, superuser_headers: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/users/{uuid.uuid4()}", headers=superuser_headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"


async def test_deleted_users_tokens_go_with_them(
    client: AsyncClient,
    superuser_headers: dict[str, str],
    user: User,
) -> None:
    login = await post_login(client, user.email)
    assert login.status_code == 200
    response = await client.delete(f"/api/v1/users/{user.id}", headers=superuser_headers)
    assert response.status_code == 204
    _, refresh_token = issued_tokens(login)
    refresh = await post_with_refresh_token(client, "/api/v1/auth/refresh", refresh_token)
    assert refresh.status_code == 401
