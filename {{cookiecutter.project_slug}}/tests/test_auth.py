"""Sign-up, login, token rotation with reuse detection, logout, and token validation.

The same tests run for bearer and cookie authentication: the helpers of `tests/fixtures/users.py`
present and read the tokens the way the chosen mode does (`access_headers`, `issued_tokens`, ...).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from httpx import AsyncClient
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.models import RefreshToken
from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.core.security import create_token, hash_password, verify_password
from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.users import (
    PASSWORD,
    access_headers,
    issued_tokens,
    post_login,
    post_with_refresh_token,
)
from tests.helpers import production

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


async def test_signup_creates_user_without_exposing_password(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/signup", json={"email": "New.Person@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.person@example.com"
    assert body["is_superuser"] is False
    assert body["is_active"] is True
    assert "password" not in body
    assert "hashed_password" not in body
    uuid.UUID(body["id"])


async def test_signup_duplicate_email_is_409(client: AsyncClient, user: User) -> None:
    response = await client.post(
        "/api/v1/auth/signup", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_already_registered"


async def test_signup_rejects_short_password_and_bad_email(client: AsyncClient) -> None:
    short = await client.post(
        "/api/v1/auth/signup", json={"email": "a@example.com", "password": "short"}
    )
    assert short.status_code == 422
    assert short.json()["error"]["details"][0]["loc"] == ["body", "password"]
    bad_email = await client.post(
        "/api/v1/auth/signup", json={"email": "not-an-email", "password": PASSWORD}
    )
    assert bad_email.status_code == 422
    assert bad_email.json()["error"]["details"][0]["loc"] == ["body", "email"]


async def test_login_issues_tokens_with_expected_claims(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    response = await post_login(client, user.email)
    assert response.status_code == 200
    tokens = issued_tokens(response)
    for token, kind in zip(tokens, ("access", "refresh"), strict=True):
        claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"])
        assert claims["sub"] == str(user.id)
        assert claims["type"] == kind
        assert {"jti", "iat", "exp"} <= claims.keys()
    me = await client.get("/api/v1/users/me", headers=access_headers(tokens[0]))
    assert me.status_code == 200
    assert me.json()["email"] == user.email


async def test_login_wrong_password_and_unknown_email_are_401(
    client: AsyncClient, user: User
) -> None:
    wrong = await post_login(client, user.email, "wrong-password")
    unknown = await post_login(client, "nobody@example.com")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"


async def test_login_inactive_user_is_403(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    user.is_active = False
    await session.commit()
    response = await post_login(client, user.email)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "inactive_user"


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    _, first = issued_tokens(await post_login(client, user.email))

    rotated = await post_with_refresh_token(client, REFRESH, first)
    assert rotated.status_code == 200
    _, second = issued_tokens(rotated)
    assert second != first

    # The first token was rotated: presenting it again is reuse, which kills the family.
    reused = await post_with_refresh_token(client, REFRESH, first)
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"

    after = await post_with_refresh_token(client, REFRESH, second)
    assert after.status_code == 401

    query = select(RefreshToken).where(RefreshToken.user_id == user.id)
    rows = (await session.scalars(query)).all()
    assert len(rows) == 2
    assert len({row.family_id for row in rows}) == 1
    assert all(row.revoked_at is not None for row in rows)


async def test_logout_revokes_the_refresh_token(client: AsyncClient, user: User) -> None:
    _, refresh = issued_tokens(await post_login(client, user.email))
    response = await post_with_refresh_token(client, LOGOUT, refresh)
    assert response.status_code == 204
    assert response.content == b""
    again = await post_with_refresh_token(client, REFRESH, refresh)
    assert again.status_code == 401


async def test_refresh_rejects_access_token_and_garbage(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    access, _ = create_token(
        str(user.id), "access", secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    for token in (access, "not-a-jwt"):
        response = await post_with_refresh_token(client, REFRESH, token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"


async def test_refresh_token_unknown_to_the_database_is_401(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    refresh, _ = create_token(
        str(user.id), "refresh", secret_key=settings.secret_key, expires_in=timedelta(days=1)
    )
    response = await post_with_refresh_token(client, REFRESH, refresh)
    assert response.status_code == 401


async def test_refresh_for_deactivated_user_is_401(
    client: AsyncClient, user: User, session: AsyncSession
) -> None:
    _, refresh = issued_tokens(await post_login(client, user.email))
    user.is_active = False
    await session.commit()
    response = await post_with_refresh_token(client, REFRESH, refresh)
    assert response.status_code == 401


async def test_missing_token_is_401(client: AsyncClient) -> None:
    response = await client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_expired_access_token_is_401(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    token, _ = create_token(
        str(user.id),
        "access",
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    response = await client.get("/api/v1/users/me", headers=access_headers(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


async def test_refresh_token_is_not_an_access_token(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    token, _ = create_token(
        str(user.id), "refresh", secret_key=settings.secret_key, expires_in=timedelta(days=1)
    )
    response = await client.get("/api/v1/users/me", headers=access_headers(token))
    assert response.status_code == 401


async def test_tampered_and_foreign_tokens_are_401(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    token, _ = create_token(
        str(user.id), "access", secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[::-1]}"
    foreign, _ = create_token(
        str(user.id), "access", secret_key="x" * 40, expires_in=timedelta(minutes=5)
    )
    for bad in (tampered, foreign):
        response = await client.get("/api/v1/users/me", headers=access_headers(bad))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"


async def test_token_with_non_uuid_subject_is_401(client: AsyncClient, settings: Settings) -> None:
    token, _ = create_token(
        "not-a-uuid", "access", secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    response = await client.get("/api/v1/users/me", headers=access_headers(token))
    assert response.status_code == 401


# --- Password hashing --------------------------------------------------------------------------


def test_new_hashes_record_the_configured_argon2_costs() -> None:
    settings = get_settings()
    # The tests run at argon2's cheapest costs (tests/fixtures/environment.py): a fast suite.
    assert settings.password_hash_memory_kib == 8
    hashed = hash_password(PASSWORD)
    costs = (
        f"m={settings.password_hash_memory_kib},t={settings.password_hash_time_cost},"
        f"p={settings.password_hash_parallelism}"
    )
    assert hashed.startswith(f"$argon2id$v=19${costs}$")
    assert verify_password(PASSWORD, hashed)
    assert not verify_password(PASSWORD + "x", hashed)


def test_hashes_made_at_other_costs_still_verify() -> None:
    # A hash stored before the costs changed carries its own; argon2 reads them from it.
    older = Argon2Hasher(time_cost=2, memory_cost=19 * 1024, parallelism=2).hash(PASSWORD)
    assert "$m=19456,t=2,p=2$" in older
    assert verify_password(PASSWORD, older)
    assert not verify_password(PASSWORD + "x", older)


@pytest.mark.parametrize(
    ("costs", "message"),
    [
        # The test suite's own costs: the memory is refused first.
        (
            {
                "password_hash_time_cost": 1,
                "password_hash_memory_kib": 8,
                "password_hash_parallelism": 1,
            },
            "PASSWORD_HASH_MEMORY_KIB=8 is below OWASP's argon2id minimum",
        ),
        ({"password_hash_memory_kib": 19455}, "PASSWORD_HASH_MEMORY_KIB=19455 is below"),
        ({"password_hash_time_cost": 1}, "PASSWORD_HASH_TIME_COST=1 is below"),
    ],
)
def test_production_refuses_argon2_costs_below_the_owasp_minimum(
    costs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        production(**costs)


def test_production_accepts_the_owasp_minimum() -> None:
    settings = production(
        password_hash_time_cost=2, password_hash_memory_kib=19456, password_hash_parallelism=1
    )
    assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (2, 19456)


def test_argon2_memory_must_cover_every_lane() -> None:
    with pytest.raises(ValidationError, match="PASSWORD_HASH_MEMORY_KIB=16 is below the 8 KiB"):
        Settings(_env_file=None, password_hash_memory_kib=16, password_hash_parallelism=4)
