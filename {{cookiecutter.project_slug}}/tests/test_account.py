"""Email verification and password reset, end to end: the API, the emails, the database.

Every email goes over SMTP to the tests' own server (`smtp_sink`), and the tests follow the links
in what it received. The emails travel as in production (the `email_delivery` fixture).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.account.emails import RESET_PASSWORD_PATH, VERIFY_EMAIL_PATH
from {{ cookiecutter.package_name }}.account.models import EmailToken, TokenPurpose
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.users import (
    PASSWORD,
    auth_headers,
    issued_tokens,
    post_login,
    post_with_refresh_token,
)
from tests.smtp_sink import Mailbox, Received

NEW_PASSWORD = "a-brand-new-passphrase"
TOKEN_RE = re.compile(r"\?token=([A-Za-z0-9_-]+)")

pytestmark = pytest.mark.usefixtures("email_delivery")


def new_email() -> str:
    return f"person-{uuid.uuid4().hex[:12]}@example.com"


def link_token(received: Received, path: str, settings: Settings) -> str:
    """The token of the one link in the email; the text and HTML bodies carry the same link."""
    text = received.message.get_body(("plain",))
    html = received.message.get_body(("html",))
    assert text is not None
    assert html is not None
    text_body, html_body = text.get_content(), html.get_content()
    match = TOKEN_RE.search(text_body)
    assert match is not None, text_body
    token = match.group(1)
    link = f"{settings.frontend_url}{path}?token={token}"
    assert link in text_body
    assert f'href="{link}"' in html_body
    return token


async def signup(client: AsyncClient, email: str) -> Response:
    response = await client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201
    return response


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    return await post_login(client, email, password)


async def verify(client: AsyncClient, token: str) -> Response:
    return await client.post("/api/v1/auth/verify-email", json={"token": token})


async def forgot(client: AsyncClient, email: str) -> Response:
    response = await client.post("/api/v1/auth/forgot-password", json={"email": email})
    assert response.status_code == 202
    return response


async def reset(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> Response:
    return await client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": password}
    )


async def expect_no_email(
    mailbox: Mailbox, client: AsyncClient, to: str, *, already: int = 0
) -> None:
    """Prove no further email to `to` is on its way: a marker email sent later arrives first.

    Emails leave in the order they were caused (see `email_delivery`), so waiting for a marker
    is exact where a sleep would only be a guess.
    """
    marker = new_email()
    await signup(client, marker)
    await mailbox.receive(to=marker)
    assert len(mailbox.received(to)) == already


def assert_invalid_token(response: Response) -> None:
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_email_token"


# --- Verification --------------------------------------------------------------------------------


async def test_signup_emails_a_link_that_verifies_the_address(
    client: AsyncClient, mailbox: Mailbox, session: AsyncSession, settings: Settings
) -> None:
    email = new_email()
    body = (await signup(client, email)).json()
    assert body["email_verified_at"] is None

    (received,) = await mailbox.receive(to=email)
    assert received.rcpt_tos == [email]
    assert received.mail_from == settings.email_from
    assert received.message["To"] == email
    assert received.message["Subject"] == f"Confirm your email address for {settings.project_name}"
    token = link_token(received, VERIFY_EMAIL_PATH, settings)

    # Only the token's SHA-256 is stored.
    row = await session.scalar(select(EmailToken).where(EmailToken.email == email))
    assert row is not None
    assert row.purpose == TokenPurpose.VERIFY_EMAIL
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, str(row.id)}
    assert row.used_at is None

    response = await verify(client, token)
    assert response.status_code == 200
    assert response.json()["email"] == email
    assert response.json()["email_verified_at"] is not None
    user = await session.scalar(select(User).where(User.email == email))
    assert user is not None
    assert user.email_verified_at is not None


async def test_a_verification_link_works_once(
    client: AsyncClient, mailbox: Mailbox, settings: Settings
) -> None:
    email = new_email()
    await signup(client, email)
    token = link_token((await mailbox.receive(to=email))[0], VERIFY_EMAIL_PATH, settings)
    assert (await verify(client, token)).status_code == 200
    again = await verify(client, token)
    assert_invalid_token(again)
    assert again.json()["error"]["request_id"]


async def test_an_expired_verification_link_is_refused(
    client: AsyncClient, mailbox: Mailbox, session: AsyncSession, settings: Settings
) -> None:
    email = new_email()
    await signup(client, email)
    token = link_token((await mailbox.receive(to=email))[0], VERIFY_EMAIL_PATH, settings)
    await session.execute(
        update(EmailToken)
        .where(EmailToken.email == email)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    assert_invalid_token(await verify(client, token))


@pytest.mark.parametrize("token", ["not-a-token", "x" * 256, hashlib.sha256(b"x").hexdigest()])
async def test_an_unknown_token_is_400(client: AsyncClient, token: str) -> None:
    assert_invalid_token(await verify(client, token))
    assert_invalid_token(await reset(client, token))


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": "x" * 257}, {"token": 1}])
async def test_a_malformed_verification_request_is_422(
    client: AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/api/v1/auth/verify-email", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_reset_token_does_not_verify_and_a_verification_token_does_not_reset(
    client: AsyncClient, mailbox: Mailbox, settings: Settings
) -> None:
    email = new_email()
    await signup(client, email)
    verification = link_token((await mailbox.receive(to=email))[0], VERIFY_EMAIL_PATH, settings)
    await forgot(client, email)
    reset_token = link_token((await mailbox.receive(2, to=email))[1], RESET_PASSWORD_PATH, settings)
    assert_invalid_token(await verify(client, reset_token))
    assert_invalid_token(await reset(client, verification))


async def test_request_verification_resends_to_unverified_accounts_only(
    client: AsyncClient, mailbox: Mailbox, settings: Settings
) -> None:
    settings.email_resend_interval_seconds = 0
    email = new_email()
    await signup(client, email)
    first = link_token((await mailbox.receive(to=email))[0], VERIFY_EMAIL_PATH, settings)

    response = await client.post("/api/v1/auth/request-verification", json={"email": email.upper()})
    assert response.status_code == 202
    second = link_token((await mailbox.receive(2, to=email))[1], VERIFY_EMAIL_PATH, settings)
    assert second != first
    assert (await verify(client, second)).status_code == 200
    # Verifying spent the older link too, and a verified account gets no more links.
    assert_invalid_token(await verify(client, first))
    verified = await client.post("/api/v1/auth/request-verification", json={"email": email})
    unknown_email = new_email()
    unknown = await client.post("/api/v1/auth/request-verification", json={"email": unknown_email})
    assert verified.status_code == unknown.status_code == 202
    assert verified.json() == unknown.json()
    await expect_no_email(mailbox, client, unknown_email)
    await expect_no_email(mailbox, client, email, already=2)


async def test_links_are_not_sent_more_than_once_per_interval(
    client: AsyncClient, mailbox: Mailbox, session: AsyncSession, user: User
) -> None:
    email, user_id = user.email, user.id
    await forgot(client, email)
    await forgot(client, email)
    await expect_no_email(mailbox, client, email, already=1)
    count = await session.scalar(
        select(func.count()).select_from(EmailToken).where(EmailToken.user_id == user_id)
    )
    assert count == 1


async def test_login_can_require_a_verified_address(
    client: AsyncClient, mailbox: Mailbox, settings: Settings
) -> None:
    settings.require_verified_email = True
    email = new_email()
    await signup(client, email)
    refused = await login(client, email)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_not_verified"
    token = link_token((await mailbox.receive(to=email))[0], VERIFY_EMAIL_PATH, settings)
    assert (await verify(client, token)).status_code == 200
    assert (await login(client, email)).status_code == 200


async def test_unverified_users_may_log_in_by_default(
    client: AsyncClient, settings: Settings
) -> None:
    assert settings.require_verified_email is False
    email = new_email()
    await signup(client, email)
    assert (await login(client, email)).status_code == 200


async def test_changing_the_address_needs_a_new_verification(
    client: AsyncClient, mailbox: Mailbox, settings: Settings, user: User
) -> None:
    settings.email_resend_interval_seconds = 0
    old_email, headers = user.email, auth_headers(user, settings)
    await client.post("/api/v1/auth/request-verification", json={"email": old_email})
    old_link = link_token((await mailbox.receive(to=old_email))[0], VERIFY_EMAIL_PATH, settings)
    new_address = new_email()
    changed = await client.patch("/api/v1/users/me", json={"email": new_address}, headers=headers)
    assert changed.status_code == 200
    assert changed.json()["email_verified_at"] is None
    # A link sent to the old address cannot verify the new one.
    assert_invalid_token(await verify(client, old_link))
    await client.post("/api/v1/auth/request-verification", json={"email": new_address})
    new_link = link_token((await mailbox.receive(to=new_address))[0], VERIFY_EMAIL_PATH, settings)
    assert (await verify(client, new_link)).json()["email"] == new_address


# --- Password reset ------------------------------------------------------------------------------


async def test_password_reset_sets_the_password_and_logs_out_everywhere(
    client: AsyncClient, mailbox: Mailbox, settings: Settings, user: User
) -> None:
    email, headers = user.email, auth_headers(user, settings)
    _, refresh_token = issued_tokens(await login(client, email))

    response = await forgot(client, email.upper())
    assert response.json()["message"]
    (received,) = await mailbox.receive(to=email)
    assert received.message["Subject"] == f"Reset your {settings.project_name} password"
    token = link_token(received, RESET_PASSWORD_PATH, settings)

    done = await reset(client, token)
    assert done.status_code == 204
    assert (await login(client, email, PASSWORD)).status_code == 401
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    revoked = await post_with_refresh_token(client, "/api/v1/auth/refresh", refresh_token)
    assert revoked.status_code == 401
    # The link proved the address too.
    me = await client.get("/api/v1/users/me", headers=headers)
    assert me.json()["email_verified_at"] is not None


async def test_a_reset_link_works_once_and_retires_the_older_ones(
    client: AsyncClient, mailbox: Mailbox, settings: Settings, user: User
) -> None:
    settings.email_resend_interval_seconds = 0
    email = user.email
    await forgot(client, email)
    await forgot(client, email)
    first, second = (
        link_token(r, RESET_PASSWORD_PATH, settings) for r in await mailbox.receive(2, to=email)
    )
    assert (await reset(client, second)).status_code == 204
    assert_invalid_token(await reset(client, second, "yet-another-passphrase"))
    assert_invalid_token(await reset(client, first, "yet-another-passphrase"))
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200


async def test_an_expired_reset_link_is_refused(
    client: AsyncClient, mailbox: Mailbox, session: AsyncSession, settings: Settings, user: User
) -> None:
    email, user_id = user.email, user.id
    await forgot(client, email)
    token = link_token((await mailbox.receive(to=email))[0], RESET_PASSWORD_PATH, settings)
    await session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user_id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    assert_invalid_token(await reset(client, token))
    assert (await login(client, email, PASSWORD)).status_code == 200


async def test_forgot_password_for_an_unknown_address_is_202_and_sends_nothing(
    client: AsyncClient, mailbox: Mailbox, session: AsyncSession, user: User
) -> None:
    unknown_email = new_email()
    unknown = await forgot(client, unknown_email)
    known = await forgot(client, user.email)
    assert unknown.json() == known.json()
    await expect_no_email(mailbox, client, unknown_email)
    stored = await session.scalar(
        select(func.count()).select_from(EmailToken).where(EmailToken.email == unknown_email)
    )
    assert stored == 0


async def test_inactive_accounts_get_no_reset_link_and_cannot_use_one(
    client: AsyncClient, mailbox: Mailbox, session: AsyncSession, settings: Settings, user: User
) -> None:
    email = user.email
    await forgot(client, email)
    token = link_token((await mailbox.receive(to=email))[0], RESET_PASSWORD_PATH, settings)
    user.is_active = False
    await session.commit()
    assert_invalid_token(await reset(client, token))
    settings.email_resend_interval_seconds = 0
    await forgot(client, email)
    await expect_no_email(mailbox, client, email, already=1)


async def test_reset_password_validates_the_new_password(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/reset-password", json={"token": "t", "new_password": "short"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", "new_password"]


def test_openapi_declares_the_error_answers(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in ("/api/v1/auth/verify-email", "/api/v1/auth/reset-password"):
        responses = paths[path]["post"]["responses"]
        assert {"400", "422"} <= responses.keys()
        schema = responses["400"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorResponse")
    for path in ("/api/v1/auth/forgot-password", "/api/v1/auth/request-verification"):
        assert "202" in paths[path]["post"]["responses"]
