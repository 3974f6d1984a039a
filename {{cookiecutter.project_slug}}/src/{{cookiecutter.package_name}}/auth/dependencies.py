"""Typed dependencies: who the request acts for{% if 'cache' in cookiecutter | features %}, and the login rate limit{% endif %}."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
{%- if 'cookie' in cookiecutter | features %}
from fastapi.security import APIKeyCookie, OAuth2PasswordRequestForm
{%- else %}
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
{%- endif %}

{% if 'cookie' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.auth.cookies import ACCESS_COOKIE
{% endif -%}
from {{ cookiecutter.package_name }}.auth.exceptions import InactiveUser, InvalidToken, NotSuperuser
from {{ cookiecutter.package_name }}.auth.principal import Principal, UserStatusCache
from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import UnauthorizedError, error_responses
{%- if 'cache' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.rate_limit import FixedWindowRateLimiter, client_ip
from {{ cookiecutter.package_name }}.core.redis import RedisDep
{%- endif %}
from {{ cookiecutter.package_name }}.core.security import InvalidTokenError, decode_token
from {{ cookiecutter.package_name }}.users.models import User

{% if 'cookie' in cookiecutter | features -%}
# The access token travels in an HttpOnly cookie that login sets (see `cookies.py`).
access_cookie = APIKeyCookie(name=ACCESS_COOKIE, auto_error=False)
{%- else -%}
# Relative, so Swagger UI's "Authorize" also works behind ROOT_PATH.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="api/v1/auth/login", auto_error=False)
{%- endif %}

LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]


async def get_principal(
    token: Annotated[str | None, Depends({% if 'cookie' in cookiecutter | features %}access_cookie{% else %}oauth2_scheme{% endif %})],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Principal:
    """The active user named by a valid access token; 401 or 403 otherwise.

    Their status comes from the per-process cache (`auth/principal.py`): no query on most requests.
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
{%- if 'cache' in cookiecutter | features %}


async def enforce_login_rate_limit(
    request: Request, form: LoginForm, redis: RedisDep, settings: SettingsDep
) -> None:
    """At most LOGIN_RATE_LIMIT attempts per window for one client IP and username.

    Fails open (allows, logs a warning) when Redis is down: see `core/rate_limit.py`.
    """
    limiter = FixedWindowRateLimiter(
        redis,
        prefix=f"{settings.redis_key_prefix}ratelimit:login:",
        limit=settings.login_rate_limit,
        window_seconds=settings.login_rate_limit_window_seconds,
    )
    await limiter.enforce(client_ip(request), form.username.lower())
{%- endif %}


# The login route's guard and documented answers, the same in both authentication modes.
LOGIN_ROUTE: dict[str, Any] = {
{%- if 'cache' in cookiecutter | features %}
    "dependencies": [Depends(enforce_login_rate_limit)],
    "responses": error_responses(401, 403, 422, 429, 503),
{%- else %}
    "responses": error_responses(401, 403, 422, 503),
{%- endif %}
}
