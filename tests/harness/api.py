"""Signing a fresh user up and in on a served bake, the way its auth option says."""

from __future__ import annotations

import uuid

import httpx

from harness.baking import Baked

API = "/api/v1"
PASSWORD = "drill-password-0123456789"
CSRF_HEADER = "X-CSRF-Token"


def fetch_csrf_token(client: httpx.Client) -> str:
    """Cookie auth: get the CSRF token as a front end does, and send it on every request of `client`.

    The client's cookie jar keeps the `csrftoken` cookie; the header is the second half of the pair.
    """
    answer = client.get(f"{API}/auth/csrf")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    client.headers[CSRF_HEADER] = token
    return token


def sign_up_and_log_in(client: httpx.Client, prefix: str) -> tuple[str, httpx.Response]:
    """Sign up a fresh user through `client` and log it in; its email and the login answer."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    signup = client.post(f"{API}/auth/signup", json={"email": email, "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    login = client.post(f"{API}/auth/login", data={"username": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return email, login


def client_for(baked: Baked, base: str) -> httpx.Client:
    """A client for `base`: a fresh signed-up user's session under bearer or cookie auth, else anonymous."""
    client = httpx.Client(base_url=base, timeout=10)
    if "auth" not in baked.features:
        return client
    if "cookie" in baked.features:
        fetch_csrf_token(client)
    _, login = sign_up_and_log_in(client, "runtime")
    if "bearer" in baked.features:
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    else:
        assert "access_token" in client.cookies, login.headers
    return client
