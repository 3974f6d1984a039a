"""`/api/v1/auth`: sign-up, login, refresh, logout. Thin: the logic lives in `service.py`.
{%- if 'cookie' in cookiecutter | features %}

Login and refresh put the tokens in HttpOnly cookies (`cookies.py`) instead of the body; every
unsafe request, login and sign-up included, needs the CSRF token that `GET /auth/csrf` issues.
{% endif %}"""

from __future__ import annotations

from fastapi import APIRouter, {% if 'cache' in cookiecutter | features %}Depends, {% endif %}{% if 'cookie' in cookiecutter | features %}Request, Response, {% endif %}status

{% if 'email' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.account import service as account_service
from {{ cookiecutter.package_name }}.account.exceptions import EmailNotVerified
{% endif -%}
from {{ cookiecutter.package_name }}.auth import service
{%- if 'cookie' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.auth.cookies import (
    RefreshCookie,
    clear_auth_cookies,
    session_lifetimes,
    set_auth_cookies,
)
{%- endif %}
from {{ cookiecutter.package_name }}.auth.dependencies import LoginForm{% if 'cache' in cookiecutter | features %}, enforce_login_rate_limit{% endif %}
{%- if 'cookie' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.auth.schemas import CookieSession, CSRFToken
{%- else %}
from {{ cookiecutter.package_name }}.auth.schemas import RefreshRequest, TokenPair
{%- endif %}
from {{ cookiecutter.package_name }}.core.config import SettingsDep
{%- if 'cookie' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.csrf import issue_csrf_token
{%- endif %}
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
{%- if 'email' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.mail.outbox import OutboxDep
{%- endif %}
from {{ cookiecutter.package_name }}.users import service as users_service
from {{ cookiecutter.package_name }}.users.schemas import UserCreate, UserRead

router = APIRouter(prefix="/auth", tags=["auth"])
{%- if 'cookie' in cookiecutter | features %}


@router.get("/csrf", response_model=CSRFToken)
async def csrf(request: Request, response: Response, settings: SettingsDep) -> CSRFToken:
    """Set the `csrftoken` cookie and return its value, to send as `X-CSRF-Token`.

    Call it before signing up or logging in (those need the token too). A caller that already
    holds a valid token gets the same one back, so other open tabs keep working.
    """
    return CSRFToken(csrf_token=issue_csrf_token(request, response, settings))
{%- endif %}


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=error_responses(409, 422, 503),
)
{%- if 'email' in cookiecutter | features %}
async def signup(
    body: UserCreate, session: SessionDep, settings: SettingsDep, outbox: OutboxDep
) -> UserRead:
    """Create an account, and email a link that verifies its address."""
    user = await users_service.create_user(session, email=body.email, password=body.password)
    await account_service.send_verification(session, user, settings, outbox)
{%- else %}
async def signup(body: UserCreate, session: SessionDep) -> UserRead:
    """Create an account."""
    user = await users_service.create_user(session, email=body.email, password=body.password)
{%- endif %}
    return UserRead.model_validate(user)


@router.post(
    "/login",
    response_model={% if 'cookie' in cookiecutter | features %}CookieSession{% else %}TokenPair{% endif %},
{%- if 'cache' in cookiecutter | features %}
    dependencies=[Depends(enforce_login_rate_limit)],
    responses=error_responses(401, 403, 422, 429, 503),
{%- else %}
    responses=error_responses(401, 403, 422, 503),
{%- endif %}
)
{%- if 'cookie' in cookiecutter | features %}
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
        raise EmailNotVerified
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
{%- else %}
async def login(form: LoginForm, session: SessionDep, settings: SettingsDep) -> TokenPair:
    """Exchange email (as `username`) and password for an access and a refresh token."""
    user = await service.authenticate(session, form.username, form.password)
{%- if 'email' in cookiecutter | features %}
    if settings.require_verified_email and user.email_verified_at is None:
        raise EmailNotVerified
{%- endif %}
    return await service.login(session, user, settings)


@router.post("/refresh", response_model=TokenPair, responses=error_responses(401, 422, 503))
async def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    """Rotate a refresh token: the old one is revoked, a new pair is issued."""
    return await service.rotate(session, body.refresh_token, settings)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 422, 503),
)
async def logout(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> None:
    """Revoke the session that the refresh token belongs to."""
    await service.logout(session, body.refresh_token, settings)
{%- endif %}
