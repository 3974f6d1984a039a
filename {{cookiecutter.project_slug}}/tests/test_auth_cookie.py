"""Cookie mode: HttpOnly token cookies, the double-submit CSRF check, and sessions kept apart.

Most tests here drive the app like a browser: a bare client whose cookie jar fills from the
answers, and which sends the CSRF header only when the test says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from http.cookies import Morsel, SimpleCookie

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.cookies import REFRESH_COOKIE
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.csrf import CSRF_COOKIE, CSRF_HEADER, SAFE_METHODS
from {{ cookiecutter.package_name }}.core.db import get_session
from {{ cookiecutter.package_name }}.core.security import create_token
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.users.dependencies import ACCESS_COOKIE
from {{ cookiecutter.package_name }}.users.models import User
{%- if 'jobs' in cookiecutter | features %}
from tests.fixtures.jobs import add_job
{%- endif %}
from tests.fixtures.users import PASSWORD, access_headers
from tests.helpers import production

API = "/api/v1"


def set_cookies(response: Response) -> dict[str, Morsel[str]]:
    """The cookies an answer sets, with their attributes."""
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return dict(jar)


def bare_client(app: FastAPI, base_url: str = "http://test") -> AsyncClient:
    """A client with an empty cookie jar and no CSRF header: a browser's first visit."""
    return AsyncClient(transport=ASGITransport(app=app), base_url=base_url)


def replace_cookie(client: AsyncClient, name: str, value: str, path: str = "/") -> None:
    """Swap a cookie in the client's jar, as a replayed or stolen copy would arrive."""
    client.cookies.delete(name)
    client.cookies.set(name, value, path=path)


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with bare_client(app) as http:
        yield http


async def fetch_csrf_token(client: AsyncClient) -> str:
    """What the front end does first: GET /auth/csrf, then send the token on unsafe requests."""
    response = await client.get(f"{API}/auth/csrf")
    assert response.status_code == 200
    token: str = response.json()["csrf_token"]
    client.headers[CSRF_HEADER] = token
    return token


async def log_in(client: AsyncClient, email: str) -> Response:
    await fetch_csrf_token(client)
    response = await client.post(
        f"{API}/auth/login", data={"username": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response


def assert_csrf_refused(response: Response, code: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "request_id", "details"}
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- Issuing the CSRF token and the auth cookies -----------------------------------------------


async def test_csrf_endpoint_sets_a_readable_cookie_and_returns_its_value(
    browser: AsyncClient,
) -> None:
    response = await browser.get(f"{API}/auth/csrf")
    assert response.status_code == 200
    token = response.json()["csrf_token"]
    cookie = set_cookies(response)[CSRF_COOKIE]
    assert cookie.value == token
    assert not cookie["httponly"], "front-end code must be able to read it"
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    # A caller that holds a token keeps it, so other open tabs keep working.
    again = await browser.get(f"{API}/auth/csrf")
    assert again.json()["csrf_token"] == token


async def test_a_malformed_csrf_cookie_is_replaced(browser: AsyncClient) -> None:
    replace_cookie(browser, CSRF_COOKIE, "short")
    response = await browser.get(f"{API}/auth/csrf")
    assert response.json()["csrf_token"] != "short"
    assert len(response.json()["csrf_token"]) >= 32


async def test_login_sets_httponly_cookies_and_no_token_in_the_body(
    browser: AsyncClient, user: User, settings: Settings
) -> None:
    response = await log_in(browser, user.email)
    cookies = set_cookies(response)
    access, refresh = cookies[ACCESS_COOKIE], cookies[REFRESH_COOKIE]
    for cookie in (access, refresh):
        assert cookie["httponly"]
        assert cookie["samesite"].lower() == "lax"
        assert not cookie["secure"], "ENVIRONMENT=test speaks plain HTTP: no Secure flag"
    assert access["path"] == "/"
    assert refresh["path"] == f"{API}/auth", "the refresh cookie goes to the auth routes only"
    assert int(access["max-age"]) == settings.access_token_expire_minutes * 60
    assert int(refresh["max-age"]) == settings.refresh_token_expire_days * 24 * 3600

    body = response.json()
    assert body == {
        "token_type": "cookie",
        "expires_in": settings.access_token_expire_minutes * 60,
        "refresh_expires_in": settings.refresh_token_expire_days * 24 * 3600,
    }
    assert access.value not in response.text
    assert refresh.value not in response.text


async def test_cookies_are_secure_when_configured(
    settings: Settings, session: AsyncSession, user: User
) -> None:
    app = create_app(settings.model_copy(update={"cookie_secure": True}))

    async def test_session() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_session] = test_session
    async with LifespanManager(app), bare_client(app, "https://test") as client:
        csrf = set_cookies(await client.get(f"{API}/auth/csrf"))
        login = set_cookies(await log_in(client, user.email))
    assert csrf[CSRF_COOKIE]["secure"]
    assert login[ACCESS_COOKIE]["secure"]
    assert login[REFRESH_COOKIE]["secure"]


async def test_requests_are_authenticated_by_the_cookies_alone(
    browser: AsyncClient, user: User
) -> None:
    await log_in(browser, user.email)
    me = await browser.get(f"{API}/users/me")
    assert me.status_code == 200
    assert me.json()["id"] == str(user.id)
    patched = await browser.patch(f"{API}/users/me", json={"email": "cookie.user@example.com"})
    assert patched.status_code == 200
    assert patched.json()["email"] == "cookie.user@example.com"


async def test_a_bearer_header_is_not_accepted(
    client: AsyncClient, user: User, settings: Settings
) -> None:
    token, _ = create_token(
        str(user.id), "access", secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    assert (await client.get(f"{API}/users/me", headers=access_headers(token))).status_code == 200
    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_refresh_rotates_both_cookies(browser: AsyncClient, user: User) -> None:
    login = set_cookies(await log_in(browser, user.email))
    rotated = await browser.post(f"{API}/auth/refresh")
    assert rotated.status_code == 200
    fresh = set_cookies(rotated)
    assert fresh[REFRESH_COOKIE].value != login[REFRESH_COOKIE].value
    assert fresh[ACCESS_COOKIE].value != login[ACCESS_COOKIE].value
    assert fresh[REFRESH_COOKIE]["path"] == f"{API}/auth"
    assert (await browser.get(f"{API}/users/me")).status_code == 200

    # Replaying the first refresh cookie is reuse: the family dies, the current cookie too.
    replace_cookie(browser, REFRESH_COOKIE, login[REFRESH_COOKIE].value, f"{API}/auth")
    reused = await browser.post(f"{API}/auth/refresh")
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    replace_cookie(browser, REFRESH_COOKIE, fresh[REFRESH_COOKIE].value, f"{API}/auth")
    assert (await browser.post(f"{API}/auth/refresh")).status_code == 401


async def test_refresh_and_logout_without_the_cookie_are_401(browser: AsyncClient) -> None:
    await fetch_csrf_token(browser)
    for path in (f"{API}/auth/refresh", f"{API}/auth/logout"):
        response = await browser.post(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


async def test_a_401_carries_no_bearer_challenge(browser: AsyncClient, user: User) -> None:
    """Cookie sessions have no header to challenge for: no `WWW-Authenticate: Bearer`."""
    missing = await browser.get(f"{API}/users/me")
    replace_cookie(browser, ACCESS_COOKIE, "not-a-token")
    tampered = await browser.get(f"{API}/users/me")
    await fetch_csrf_token(browser)
    wrong = await browser.post(
        f"{API}/auth/login", data={"username": user.email, "password": "wrong-password"}
    )
    no_refresh = await browser.post(f"{API}/auth/refresh")
    for response in (missing, tampered, wrong, no_refresh):
        assert response.status_code == 401, response.text
        assert "www-authenticate" not in response.headers
        assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


async def test_logout_clears_the_cookies_and_revokes_the_session(
    browser: AsyncClient, user: User
) -> None:
    refresh = set_cookies(await log_in(browser, user.email))[REFRESH_COOKIE].value
    response = await browser.post(f"{API}/auth/logout")
    assert response.status_code == 204
    cleared = set_cookies(response)
    assert cleared[ACCESS_COOKIE].value == ""
    assert cleared[REFRESH_COOKIE].value == ""
    assert int(cleared[ACCESS_COOKIE]["max-age"]) == 0
    assert int(cleared[REFRESH_COOKIE]["max-age"]) == 0
    assert cleared[REFRESH_COOKIE]["path"] == f"{API}/auth"
    assert ACCESS_COOKIE not in browser.cookies
    assert (await browser.get(f"{API}/users/me")).status_code == 401
    # The refresh token died with the session, even if a copy survived somewhere.
    replace_cookie(browser, REFRESH_COOKIE, refresh, f"{API}/auth")
    assert (await browser.post(f"{API}/auth/refresh")).status_code == 401


# --- The CSRF check ----------------------------------------------------------------------------

# (method, path, body, status with a valid token); {user} is the id of a regular user.
UNSAFE_REQUESTS = [
    ("POST", "/auth/signup", {"email": "new@example.com", "password": PASSWORD}, 201),
    ("PATCH", "/users/me", {"email": "renamed@example.com"}, 200),
    ("DELETE", "/users/{user}", None, 204),
{%- if 'items' in cookiecutter | features %}
    ("POST", "/items", {"title": "guarded"}, 201),
{%- endif %}
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [pytest.param(*request, id=f"{request[0]} {request[1]}") for request in UNSAFE_REQUESTS],
)
async def test_unsafe_request_needs_the_matching_csrf_header(
    browser: AsyncClient,
    superuser: User,
    user: User,
    method: str,
    path: str,
    body: dict[str, str] | None,
    status: int,
) -> None:
    await log_in(browser, superuser.email)
    url = API + path.format(user=user.id)
    good_token = browser.headers.pop(CSRF_HEADER)

    missing = await browser.request(method, url, json=body)
    assert_csrf_refused(missing, "csrf_token_missing")

    wrong = await browser.request(method, url, json=body, headers={CSRF_HEADER: "x" * 43})
    assert_csrf_refused(wrong, "csrf_token_mismatch")

    # The header alone is not enough: it must repeat the cookie.
    browser.cookies.delete(CSRF_COOKIE)
    header_only = await browser.request(method, url, json=body, headers={CSRF_HEADER: good_token})
    assert_csrf_refused(header_only, "csrf_token_missing")

    replace_cookie(browser, CSRF_COOKIE, good_token)
    right = await browser.request(method, url, json=body, headers={CSRF_HEADER: good_token})
    assert right.status_code == status, right.text


async def test_login_itself_needs_the_csrf_token(browser: AsyncClient, user: User) -> None:
    form = {"username": user.email, "password": PASSWORD}
    refused = await browser.post(f"{API}/auth/login", data=form)
    assert_csrf_refused(refused, "csrf_token_missing")
    assert ACCESS_COOKIE not in set_cookies(refused)
    await fetch_csrf_token(browser)
    assert (await browser.post(f"{API}/auth/login", data=form)).status_code == 200


async def test_refused_request_changes_nothing(
    browser: AsyncClient, user: User, session: AsyncSession
) -> None:
    await log_in(browser, user.email)
    token = browser.headers.pop(CSRF_HEADER)
    refused = await browser.patch(f"{API}/users/me", json={"email": "hijacked@example.com"})
    assert refused.status_code == 403
    await session.refresh(user)
    assert user.email != "hijacked@example.com"
    browser.headers[CSRF_HEADER] = token
    assert (await browser.get(f"{API}/users/me")).json()["email"] == user.email


async def test_every_unsafe_method_of_every_route_is_checked(settings: Settings) -> None:
    app = create_app(settings)

    # A route added later, with any method, is covered without opting in.
    @app.api_route(
        "/added-later",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def added_later() -> dict[str, str]:
        return {"reached": "yes"}

    async with LifespanManager(app), bare_client(app) as client:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await client.request(method, "/added-later")
            assert_csrf_refused(response, "csrf_token_missing")
        for method in SAFE_METHODS - {"TRACE", "HEAD"}:
            response = await client.request(method, "/added-later")
            assert response.status_code != 403, method
        # What no route runs gets its own answer: nothing would act on it.
        assert (await client.put("/health/live")).status_code == 405
        assert (await client.post("/no-such-route")).status_code == 404


async def test_openapi_declares_the_csrf_header_and_its_403(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    header, cookie = schemes["CSRFToken"], schemes["CSRFCookie"]
    assert header == {**header, "type": "apiKey", "in": "header", "name": CSRF_HEADER}
    assert cookie == {**cookie, "type": "apiKey", "in": "cookie", "name": CSRF_COOKIE}
    unsafe = 0
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            for requirement in operation.get("security", [{}]):
                needs_csrf = {"CSRFToken", "CSRFCookie"} <= requirement.keys()
                assert needs_csrf is (method.upper() not in SAFE_METHODS), (method, requirement)
            if method.upper() not in SAFE_METHODS:
                unsafe += 1
                assert "403" in operation["responses"]
    assert unsafe >= 4


# --- Sessions are kept apart -------------------------------------------------------------------


async def test_one_users_cookies_reach_only_that_users_data(
    app: FastAPI, user: User, other_user: User, session: AsyncSession
) -> None:
    async with bare_client(app) as alice, bare_client(app) as bob:
        await log_in(alice, user.email)
        await log_in(bob, other_user.email)

        assert (await bob.get(f"{API}/users/me")).json()["id"] == str(other_user.id)
        alice_admin_path = f"{API}/users/{user.id}"
        assert (await bob.get(alice_admin_path)).status_code == 403
        assert (await bob.patch(alice_admin_path, json={"email": "x@x.com"})).status_code == 403
        assert (await bob.delete(alice_admin_path)).status_code == 403
        renamed = await bob.patch(f"{API}/users/me", json={"email": "bob@example.com"})
        assert renamed.json()["id"] == str(other_user.id)
        assert (await alice.get(f"{API}/users/me")).json()["email"] == user.email
{%- if 'items' in cookiecutter | features %}

        item = (await alice.post(f"{API}/items", json={"title": "alice's"})).json()
        path = f"{API}/items/{item['id']}"
        assert (await bob.get(path)).status_code == 404
        assert (await bob.patch(path, json={"title": "bob's now"})).status_code == 404
        assert (await bob.delete(path)).status_code == 404
        assert (await bob.get(f"{API}/items")).json()["total"] == 0
        assert (await alice.get(path)).json()["title"] == "alice's"
{%- endif %}
{%- if 'jobs' in cookiecutter | features %}

        job = await add_job(session, owner_id=user.id)
        assert (await bob.get(f"{API}/jobs/{job.id}")).status_code == 404
        assert (await alice.get(f"{API}/jobs/{job.id}")).status_code == 202
{%- endif %}


# --- Settings ----------------------------------------------------------------------------------


def test_cookie_security_settings() -> None:
    # Settings valid in production (the mail and hashing settings are not what this is about),
    # in the environment each line names.
    settings = production
    assert settings(environment="production").secure_cookies
    assert not settings(environment="development").secure_cookies
    assert settings(environment="test", cookie_secure=True).secure_cookies
    with pytest.raises(ValidationError, match="COOKIE_SECURE=false is refused in production"):
        settings(environment="production", cookie_secure=False)
    with pytest.raises(ValidationError, match="COOKIE_SAMESITE=none needs Secure cookies"):
        settings(environment="development", cookie_samesite="none")
    assert settings(environment="production", cookie_samesite="none").cookie_samesite == "none"
