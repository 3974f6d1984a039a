"""The auth cookies: where login and refresh put the tokens, and how logout removes them.

Both are HttpOnly (page scripts cannot read them, so an XSS bug cannot steal them), Secure outside
development and test (`Settings.secure_cookies`) and SameSite=COOKIE_SAMESITE. The access cookie
goes with every API request; the refresh cookie only to `/api/v1/auth/...` (refresh and logout
read it), so it is not sent with the rest of the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Cookie, Depends, Request, Response

from {{ cookiecutter.package_name }}.auth.schemas import CookieSession, TokenPair
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import UnauthorizedError
from {{ cookiecutter.package_name }}.users.dependencies import ACCESS_COOKIE

REFRESH_COOKIE = "refresh_token"


def auth_cookie_path(request: Request) -> str:
    """The path of the auth routes as the browser sees it (ROOT_PATH included): `/api/v1/auth`."""
    return request.url_for("refresh").path.rsplit("/", 1)[0]


def set_auth_cookies(
    response: Response, request: Request, pair: TokenPair, settings: Settings
) -> None:
    """Put a fresh token pair in the cookies; Max-Age follows the token lifetimes."""
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        max_age=settings.access_token_expire_minutes * 60,
        path=settings.root_path or "/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite=settings.cookie_samesite,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh_token,
        max_age=settings.refresh_token_expire_days * 24 * 3600,
        path=auth_cookie_path(request),
        secure=settings.secure_cookies,
        httponly=True,
        samesite=settings.cookie_samesite,
    )


def session_lifetimes(settings: Settings) -> CookieSession:
    """The body of login and refresh: how long each cookie lives, in seconds."""
    return CookieSession(
        expires_in=settings.access_token_expire_minutes * 60,
        refresh_expires_in=settings.refresh_token_expire_days * 24 * 3600,
    )


def clear_auth_cookies(response: Response, request: Request, settings: Settings) -> None:
    """Expire both cookies (same name, path and flags as when they were set)."""
    for name, path in (
        (ACCESS_COOKIE, settings.root_path or "/"),
        (REFRESH_COOKIE, auth_cookie_path(request)),
    ):
        response.delete_cookie(
            name,
            path=path,
            secure=settings.secure_cookies,
            httponly=True,
            samesite=settings.cookie_samesite,
        )


async def get_refresh_cookie(
    refresh_token: Annotated[str | None, Cookie(max_length=4096)] = None,
) -> str:
    """The refresh token from its cookie; 401 when the browser sent none."""
    if not refresh_token:
        raise UnauthorizedError("No refresh token cookie; log in again")
    return refresh_token


RefreshCookie = Annotated[str, Depends(get_refresh_cookie)]
