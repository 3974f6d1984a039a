"""Typed dependencies of the users domain: who a request acts for, and the user a path names."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import {% if 'cookie' in cookiecutter | features %}APIKeyCookie{% else %}OAuth2PasswordBearer{% endif %}

from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import UnauthorizedError
from {{ cookiecutter.package_name }}.core.security import InvalidTokenError, decode_token
from {{ cookiecutter.package_name }}.users.exceptions import InactiveUser, InvalidToken, NotSuperuser
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.principal import Principal, UserStatusCache
from {{ cookiecutter.package_name }}.users.service import get_user

{% if 'cookie' in cookiecutter | features -%}
# The access token travels in an HttpOnly cookie that login sets (see `auth/cookies.py`).
ACCESS_COOKIE = "access_token"
access_token_source = APIKeyCookie(name=ACCESS_COOKIE, auto_error=False)
{%- else -%}
# Relative, so Swagger UI's "Authorize" also works behind ROOT_PATH.
access_token_source = OAuth2PasswordBearer(tokenUrl="api/v1/auth/login", auto_error=False)
{%- endif %}


async def get_principal(
    token: Annotated[str | None, Depends(access_token_source)],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Principal:
    """The active user named by a valid access token; 401 or 403 otherwise.

    Their status comes from the per-process cache (`principal.py`): no query on most requests.
    """
    if not token:
        raise UnauthorizedError
    try:
        claims = decode_token(token, "access", secret_key=settings.secret_key)
        user_id = uuid.UUID(claims.sub)
    except (InvalidTokenError, ValueError) as exc:
        raise InvalidToken from exc
    status = await user_status_cache(request).status(session, user_id)
    if status is None:
        raise InvalidToken
    if not status.is_active:
        raise InactiveUser
    return Principal(id=user_id, is_superuser=status.is_superuser)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def user_status_cache(request: Request) -> UserStatusCache:
    """The process's cache of user statuses, made on first use with AUTH_STATUS_CACHE_SECONDS."""
    state = request.app.state
    cache: UserStatusCache | None = getattr(state, "user_status_cache", None)
    if cache is None:
        cache = state.user_status_cache = UserStatusCache(state.settings.auth_status_cache_seconds)
    return cache


UserStatusCacheDep = Annotated[UserStatusCache, Depends(user_status_cache)]


async def get_current_user(principal: CurrentPrincipal, session: SessionDep) -> User:
    """The current user's row, for routes that read or change it; read fresh, not cached."""
    user = await session.get(User, principal.id)
    if user is None:
        raise InvalidToken
    if not user.is_active:
        raise InactiveUser
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_active_superuser(principal: CurrentPrincipal) -> Principal:
    """The current user, if an administrator; 403 otherwise."""
    if not principal.is_superuser:
        raise NotSuperuser
    return principal


CurrentSuperuser = Annotated[Principal, Depends(get_current_active_superuser)]


async def get_user_by_id(user_id: uuid.UUID, session: SessionDep) -> User:
    """The user named in the path; 404 otherwise."""
    return await get_user(session, user_id)


UserByIdDep = Annotated[User, Depends(get_user_by_id)]
