"""Bearer mode: the tokens travel in the body and the Authorization header, never in cookies."""

from __future__ import annotations

from httpx import AsyncClient

from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.users import post_login


async def test_login_answers_the_token_pair_and_sets_no_cookie(
    client: AsyncClient, user: User
) -> None:
    response = await post_login(client, user.email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type"}
    assert body["token_type"] == "bearer"
    assert "set-cookie" not in response.headers


async def test_401_carries_the_bearer_challenge(client: AsyncClient, user: User) -> None:
    missing = await client.get("/api/v1/users/me")
    wrong = await post_login(client, user.email, "wrong-password")
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_refresh_and_logout_need_the_token_in_the_body(client: AsyncClient) -> None:
    for path in ("/api/v1/auth/refresh", "/api/v1/auth/logout"):
        response = await client.post(path, json={})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["loc"] == ["body", "refresh_token"]
