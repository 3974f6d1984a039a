"""An HTTP client for a served bake, logged in the way its auth option says."""

from __future__ import annotations

import uuid

import httpx

from harness.baking import Baked

PASSWORD = "a-long-enough-password"


def client_for(baked: Baked, base: str) -> httpx.Client:
    """A client for `base`: a fresh signed-up user's session under bearer or cookie auth, else anonymous."""
    client = httpx.Client(base_url=base, timeout=10)
    if "auth" not in baked.features:
        return client
    email = f"runtime-{uuid.uuid4().hex[:10]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    if "cookie" in baked.features:
        # Double-submit CSRF: the client's cookie jar keeps `csrftoken`, every request sends the header.
        csrf = client.get("/api/v1/auth/csrf")
        assert csrf.status_code == 200, csrf.text
        client.headers["X-CSRF-Token"] = csrf.json()["csrf_token"]
    signup = client.post("/api/v1/auth/signup", json=credentials)
    assert signup.status_code == 201, signup.text
    login = client.post("/api/v1/auth/login", data={"username": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    if "bearer" in baked.features:
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    else:
        assert "access_token" in client.cookies, login.headers
    return client
