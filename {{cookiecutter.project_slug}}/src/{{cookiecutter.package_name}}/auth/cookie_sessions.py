"""Cookie sessions: login and refresh put the tokens in HttpOnly cookies (`cookies.py`) instead of
the body. Every unsafe request, login and sign-up included, needs the CSRF token that
`GET /auth/csrf` issues."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from {{ cookiecutter.package_name }}.auth import {% if 'email' in cookiecutter | features %}exceptions, {% endif %}service
from {{ cookiecutter.package_name }}.auth.cookies import (
    RefreshCookie,
    clear_auth_cookies,
    session_lifetimes,
    set_auth_cookies,
)
from {{ cookiecutter.package_name }}.auth.dependencies import LOGIN_ROUTE, LoginForm
from {{ cookiecutter.package_name }}.auth.schemas import CookieSession, CSRFToken
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.csrf import issue_csrf_token
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses

router = APIRouter()


@router.get("/csrf", response_model=CSRFToken)
async def csrf(request: Request, response: Response, settings: SettingsDep) -> CSRFToken:
    """Set the `csrftoken` cookie and return its value, to send as `X-CSRF-Token`.

    Call it before signing up or logging in (those need the token too). A caller that already
    holds a valid token gets the same one back, so other open tabs keep working.
    """
    return CSRFToken(csrf_token=issue_csrf_token(request, response, settings))


@router.post("/login", response_model=CookieSession, **LOGIN_ROUTE)
async def login(
    form: LoginForm,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> CookieSession:
    """Check email (as `username`) and password; set the access and refresh cookies."""
    user = await service.authenticate(session, form.username, form.password)
{%- if 'email' in cookiecutter | features %}
    if settings.require_verified_email and user.email_verified_at is None:
        raise exceptions.EmailNotVerified
{%- endif %}
    pair = await service.login(session, user, settings)
    set_auth_cookies(response, request, pair, settings)
    return session_lifetimes(settings)


@router.post("/refresh", response_model=CookieSession, responses=error_responses(401, 422, 503))
async def refresh(
    refresh_token: RefreshCookie,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> CookieSession:
    """Rotate the refresh cookie: the old token is revoked, both cookies get new tokens."""
    pair = await service.rotate(session, refresh_token, settings)
    set_auth_cookies(response, request, pair, settings)
    return session_lifetimes(settings)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 422, 503),
)
async def logout(
    refresh_token: RefreshCookie,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> None:
    """Revoke the session that the refresh cookie belongs to, and clear both auth cookies."""
    await service.logout(session, refresh_token, settings)
    clear_auth_cookies(response, request, settings)
