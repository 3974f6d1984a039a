"""Verification and password reset: issue emailed tokens, and spend each one once.

Spending a token is one `UPDATE ... WHERE used_at IS NULL AND expires_at > now RETURNING`, in the
same transaction as its effect: of two requests racing with one token, exactly one matches the
row, and the token is spent only if the effect commits.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import structlog
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.account.emails import password_reset_email, verification_email
from {{ cookiecutter.package_name }}.account.exceptions import InvalidEmailToken
from {{ cookiecutter.package_name }}.account.models import EmailToken, TokenPurpose
from {{ cookiecutter.package_name }}.auth.service import revoke_all_sessions
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.core.security import hash_password_in_thread
from {{ cookiecutter.package_name }}.mail.outbox import Outbox
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.service import get_user_by_email

logger = structlog.get_logger(__name__)

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    """SHA-256 of the token, in hex. 256 random bits need no salt and no slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def verification_lifetime(settings: Settings) -> timedelta:
    """How long a verification link works."""
    return timedelta(hours=settings.email_verification_token_expire_hours)


def reset_lifetime(settings: Settings) -> timedelta:
    """How long a password-reset link works."""
    return timedelta(minutes=settings.password_reset_token_expire_minutes)


async def _sent_recently(
    session: AsyncSession, user_id: uuid.UUID, purpose: TokenPurpose, settings: Settings
) -> bool:
    if settings.email_resend_interval_seconds == 0:
        return False
    since = utcnow() - timedelta(seconds=settings.email_resend_interval_seconds)
    recent = await session.scalar(
        select(
            exists().where(
                EmailToken.user_id == user_id,
                EmailToken.purpose == purpose,
                EmailToken.created_at > since,
            )
        )
    )
    return bool(recent)


async def issue_token(
    session: AsyncSession, user: User, purpose: TokenPurpose, lifetime: timedelta
) -> str:
    """Store the hash of a new token for `user` and commit; return the token itself."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            email=user.email,
            expires_at=utcnow() + lifetime,
        )
    )
    await session.commit()
    return token


async def _spend(session: AsyncSession, token: str, purpose: TokenPurpose) -> User:
    """Mark the token used (uncommitted) and return its user; `InvalidEmailToken` otherwise."""
    now = utcnow()
    spent = (
        await session.execute(
            update(EmailToken)
            .where(
                EmailToken.token_hash == hash_token(token),
                EmailToken.purpose == purpose,
                EmailToken.used_at.is_(None),
                EmailToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(EmailToken.user_id, EmailToken.email)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    user = await session.get(User, spent.user_id) if spent is not None else None
    if spent is None or user is None or user.email != spent.email:
        await session.rollback()
        raise InvalidEmailToken
    return user


async def _spend_outstanding(
    session: AsyncSession, user_id: uuid.UUID, purpose: TokenPurpose
) -> None:
    await session.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user_id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def send_verification(
    session: AsyncSession, user: User, settings: Settings, outbox: Outbox
) -> None:
    """Email `user` a link that verifies their address (at most one per resend interval)."""
    if await _sent_recently(session, user.id, TokenPurpose.VERIFY_EMAIL, settings):
        return
    lifetime = verification_lifetime(settings)
    token = await issue_token(session, user, TokenPurpose.VERIFY_EMAIL, lifetime)
    outbox.send(verification_email(user.email, token, lifetime, settings))


async def request_verification(
    session: AsyncSession, email: str, settings: Settings, outbox: Outbox
) -> None:
    """Resend the verification link, if `email` is an active, unverified account; else nothing."""
    user = await get_user_by_email(session, email)
    if user is None or not user.is_active or user.email_verified_at is not None:
        return
    await send_verification(session, user, settings, outbox)


async def verify_email(session: AsyncSession, token: str) -> User:
    """Spend a verification token and mark its user's address verified."""
    user = await _spend(session, token, TokenPurpose.VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    await _spend_outstanding(session, user.id, TokenPurpose.VERIFY_EMAIL)
    await session.commit()
    logger.info("email_verified", user_id=str(user.id))
    return user


async def forgot_password(
    session: AsyncSession, email: str, settings: Settings, outbox: Outbox
) -> None:
    """Email a reset link if `email` is an active account; otherwise do nothing, silently.

    The caller answers the same either way, so the form does not tell who has an account.
    """
    user = await get_user_by_email(session, email)
    if user is None or not user.is_active:
        return
    if await _sent_recently(session, user.id, TokenPurpose.RESET_PASSWORD, settings):
        return
    lifetime = reset_lifetime(settings)
    token = await issue_token(session, user, TokenPurpose.RESET_PASSWORD, lifetime)
    outbox.send(password_reset_email(user.email, token, lifetime, settings))


async def reset_password(session: AsyncSession, token: str, new_password: str) -> User:
    """Spend a reset token and set the new password.

    Every other reset link of the user stops working, and every login session is revoked: whoever
    knew the old password is logged out. Following the link also proves the address, so an
    unverified user becomes verified.
    """
    user = await _spend(session, token, TokenPurpose.RESET_PASSWORD)
    if not user.is_active:
        await session.rollback()
        raise InvalidEmailToken
    user.hashed_password = await hash_password_in_thread(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    await _spend_outstanding(session, user.id, TokenPurpose.RESET_PASSWORD)
    await revoke_all_sessions(session, user.id)
    await session.commit()
    logger.info("password_reset", user_id=str(user.id))
    return user
