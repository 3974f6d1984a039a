"""Beat's housekeeping of the email tokens: verification and reset links past their expiry."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.account.housekeeping import (
    delete_expired_email_tokens,
    purge_expired_email_tokens,
)
from {{ cookiecutter.package_name }}.account.models import EmailToken, TokenPurpose
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.worker.runtime import close_runtimes
from {{ cookiecutter.package_name }}.worker.schedule import beat_schedule


def email_token(user: User, expires_in: timedelta) -> EmailToken:
    return EmailToken(
        user_id=user.id,
        purpose=TokenPurpose.RESET_PASSWORD,
        token_hash=uuid.uuid4().hex * 2,
        email=user.email,
        expires_at=utcnow() + expires_in,
    )


async def test_purge_deletes_only_expired_email_tokens(session: AsyncSession, user: User) -> None:
    expired = email_token(user, timedelta(seconds=-1))
    live = email_token(user, timedelta(minutes=30))
    session.add_all([expired, live])
    await session.commit()

    assert await delete_expired_email_tokens(session) >= 1
    remaining = set(
        await session.scalars(select(EmailToken.id).where(EmailToken.user_id == user.id))
    )
    assert remaining == {live.id}


def test_email_token_purge_is_scheduled_and_runs_in_the_worker_runtime(
    migrated_database: str,
) -> None:
    entry = beat_schedule(get_settings())["purge-expired-email-tokens"]
    assert entry["task"] == purge_expired_email_tokens.name
    try:
        assert isinstance(purge_expired_email_tokens.apply().get(), int)
    finally:
        close_runtimes()
