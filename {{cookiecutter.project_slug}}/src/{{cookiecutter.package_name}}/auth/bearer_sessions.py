"""Bearer sessions: login answers an access and a refresh token in the body; refresh and logout
take the refresh token in the body."""

from __future__ import annotations

from fastapi import APIRouter, status

from {{ cookiecutter.package_name }}.auth import {% if 'email' in cookiecutter | features %}exceptions, {% endif %}service
from {{ cookiecutter.package_name }}.auth.dependencies import LOGIN_ROUTE, LoginForm
from {{ cookiecutter.package_name }}.auth.schemas import RefreshRequest, TokenPair
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses

router = APIRouter()


@router.post("/login", response_model=TokenPair, **LOGIN_ROUTE)
async def login(form: LoginForm, session: SessionDep, settings: SettingsDep) -> TokenPair:
    """Exchange email (as `username`) and password for an access and a refresh token."""
    user = await service.authenticate(session, form.username, form.password)
{%- if 'email' in cookiecutter | features %}
    if settings.require_verified_email and user.email_verified_at is None:
        raise exceptions.EmailNotVerified
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
