"""CSRF protection for cookie authentication: the double-submit token.

A browser attaches our cookies to any request another site makes it send, so a cookie alone does
not prove that our own front end sent the request. Every unsafe request (POST, PUT, PATCH,
DELETE, ...) must therefore repeat the value of the readable `csrftoken` cookie in the
`X-CSRF-Token` header: another site can make the browser send the cookie, but it cannot read the
cookie to copy it into a header. `GET /api/v1/auth/csrf` issues the cookie and returns the token.

The check is a pure ASGI middleware, so it covers every route (including routes added later) and
answers before a body is parsed. It runs inside the request-context middleware, so its 403 has the
request id and the service's one JSON error shape. A request that no route would run (404, 405)
passes through to get that answer: it reaches no code that could act on it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import error_json

CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "X-CSRF-Token"
# QUERY is the proposed safe method with a body (an IETF HTTP working group draft).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "QUERY"})
# What `new_csrf_token` makes (43 URL-safe characters), with room for a longer token.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
# OpenAPI security schemes: the check needs both (AND), so each unsafe operation requires both.
CSRF_SCHEMES = {
    "CSRFToken": {"in": "header", "name": CSRF_HEADER},
    "CSRFCookie": {"in": "cookie", "name": CSRF_COOKIE},
}


def new_csrf_token() -> str:
    """A fresh random token (256 bits)."""
    return secrets.token_urlsafe(32)


def is_well_formed(token: str) -> bool:
    """True for a value this service could have issued; anything else is never accepted."""
    return _TOKEN_RE.fullmatch(token) is not None


def set_csrf_cookie(response: Response, token: str, settings: Settings) -> None:
    """The readable token cookie: JavaScript must read it to copy it into the header."""
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=settings.refresh_token_expire_days * 24 * 3600,
        path=settings.root_path or "/",
        secure=settings.secure_cookies,
        httponly=False,
        samesite=settings.cookie_samesite,
    )


def issue_csrf_token(request: Request, response: Response, settings: Settings) -> str:
    """The caller's token if it holds a well-formed one (other tabs keep working), else a new one.

    The cookie is set again either way, so its lifetime starts over.
    """
    held = request.cookies.get(CSRF_COOKIE, "")
    token = held if is_well_formed(held) else new_csrf_token()
    set_csrf_cookie(response, token, settings)
    return token


def reaches_an_endpoint(scope: Scope) -> bool:
    """True when a route of the app accepts this path and method (as the router will decide)."""
    return any(route.matches(scope)[0] is Match.FULL for route in scope["app"].router.routes)


class CSRFMiddleware:
    """Refuses an unsafe request unless its `X-CSRF-Token` header repeats its `csrftoken` cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or not reaches_an_endpoint(scope)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie = request.cookies.get(CSRF_COOKIE)
        header = request.headers.get(CSRF_HEADER)
        if not cookie or not header:
            response = error_json(
                403,
                "csrf_token_missing",
                f"This request needs the {CSRF_COOKIE} cookie and the same value in the "
                f"{CSRF_HEADER} header; GET /api/v1/auth/csrf issues them",
            )
            await response(scope, receive, send)
            return
        if not (is_well_formed(cookie) and hmac.compare_digest(cookie, header)):
            response = error_json(
                403,
                "csrf_token_mismatch",
                f"The {CSRF_HEADER} header does not match the {CSRF_COOKIE} cookie",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def document_csrf(app: FastAPI) -> None:
    """Declare the check in the OpenAPI document: what every unsafe operation needs, and its 403.

    The cookie and the header are security schemes, so Swagger UI's "Authorize" sends the header
    with every request, and clients (and fuzzers) see that an unsafe operation can answer 403.
    """
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build_schema()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        for name, where in CSRF_SCHEMES.items():
            schemes[name] = {
                "type": "apiKey",
                **where,
                "description": "The CSRF token from GET /api/v1/auth/csrf, as cookie and header",
            }
        forbidden = {
            "description": "Forbidden (also: the CSRF token is missing or does not match)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
            },
        }
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() in SAFE_METHODS:
                    continue
                requirements = operation.get("security") or [{}]
                csrf: dict[str, list[str]] = {name: [] for name in CSRF_SCHEMES}
                operation["security"] = [{**r, **csrf} for r in requirements]
                operation["responses"].setdefault("403", forbidden)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
