"""Authentication logic: credentials, token issue, rotation with reuse detection, revocation."""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.exceptions import InvalidCredentials, RefreshTokenReused
from {{ cookiecutter.package_name }}.auth.models import RefreshToken
from {{ cookiecutter.package_name }}.auth.schemas import TokenPair
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.core.security import (
    InvalidTokenError,
    burn_password_check_in_thread,
    create_token,
    decode_token,
    verify_password_in_thread,
)
from {{ cookiecutter.package_name }}.users.exceptions import InactiveUser, InvalidToken
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.service import get_user_by_email

logger = structlog.get_logger(__name__)


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    """The active user with these credentials; raises `InvalidCredentials` or `InactiveUser`."""
    user = await get_user_by_email(session, email)
    if user is None:
        await burn_password_check_in_thread(password)
        raise InvalidCredentials
    if not await verify_password_in_thread(password, user.hashed_password):
        raise InvalidCredentials
    if not user.is_active:
        raise InactiveUser
    return user


async def _issue_pair(
    session: AsyncSession, user: User, settings: Settings, family_id: uuid.UUID
) -> tuple[TokenPair, RefreshToken]:
    access, _ = create_token(
        str(user.id),
        "access",
        secret_key=settings.secret_key,
        expires_in=timedelta(minutes=settings.access_token_expire_minutes),
    )
    refresh, claims = create_token(
        str(user.id),
        "refresh",
        secret_key=settings.secret_key,
        expires_in=timedelta(days=settings.refresh_token_expire_days),
    )
    row = RefreshToken(jti=claims.jti, family_id=family_id, user_id=user.id, expires_at=claims.exp)
    session.add(row)
    return TokenPair(access_token=access, refresh_token=refresh), row


async def login(session: AsyncSession, user: User, settings: Settings) -> TokenPair:
    """Start a new token family for `user` and return its first token pair."""
    pair, _ = await _issue_pair(session, user, settings, family_id=uuid.uuid4())
    await session.commit()
    logger.info("login", user_id=str(user.id))
    return pair


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def _load_refresh_row(session: AsyncSession, token: str, settings: Settings) -> RefreshToken:
    try:
        claims = decode_token(token, "refresh", secret_key=settings.secret_key)
    except InvalidTokenError as exc:
        raise InvalidToken from exc
    # Lock the row: two concurrent refreshes with one token must not both succeed.
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.jti == claims.jti).with_for_update()
    )
    if row is None or str(row.user_id) != claims.sub:
        raise InvalidToken
    return row


async def rotate(session: AsyncSession, token: str, settings: Settings) -> TokenPair:
    """Exchange a refresh token for a new pair in the same family.

    A token that was already rotated or revoked revokes its whole family: either the client or an
    attacker holds a copy, and we cannot tell which.
    """
    row = await _load_refresh_row(session, token, settings)
    if row.revoked_at is not None:
        await _revoke_family(session, row.family_id)
        await session.commit()
        logger.warning("refresh_token_reused", family_id=str(row.family_id))
        raise RefreshTokenReused
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        await _revoke_family(session, row.family_id)
        await session.commit()
        raise InvalidToken
    pair, new_row = await _issue_pair(session, user, settings, family_id=row.family_id)
    row.revoked_at = utcnow()
    row.replaced_by = new_row.jti
    await session.commit()
    return pair


async def logout(session: AsyncSession, token: str, settings: Settings) -> None:
    """Revoke the family of `token` (this login session). Access tokens expire on their own."""
    row = await _load_refresh_row(session, token, settings)
    await _revoke_family(session, row.family_id)
    await session.commit()
{%- if 'email' in cookiecutter | features %}


async def revoke_all_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Revoke every refresh token of the user (all login sessions); the caller commits."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
{%- endif %}
