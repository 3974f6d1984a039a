"""Beat's housekeeping: the schedule, and the purge of expired refresh tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.housekeeping import (
    delete_expired_refresh_tokens,
    purge_expired_refresh_tokens,
)
from {{ cookiecutter.package_name }}.auth.models import RefreshToken
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.runtime import close_runtimes
from {{ cookiecutter.package_name }}.worker.schedule import beat_schedule


def token(user: User, expires_in: timedelta) -> RefreshToken:
    return RefreshToken(
        jti=uuid.uuid4(), family_id=uuid.uuid4(), user_id=user.id, expires_at=utcnow() + expires_in
    )


async def test_purge_deletes_only_expired_refresh_tokens(session: AsyncSession, user: User) -> None:
    expired = token(user, timedelta(seconds=-1))
    live = token(user, timedelta(days=1))
    session.add_all([expired, live])
    await session.commit()

    assert await delete_expired_refresh_tokens(session) >= 1
    remaining = set(
        await session.scalars(select(RefreshToken.jti).where(RefreshToken.user_id == user.id))
    )
    assert remaining == {live.jti}


def test_purge_task_runs_in_the_worker_runtime(migrated_database: str) -> None:
    try:
        result = purge_expired_refresh_tokens.apply()
        assert isinstance(result.get(), int)
    finally:
        close_runtimes()


def test_schedule_lives_in_code_and_follows_the_settings() -> None:
    settings = get_settings().model_copy(update={"housekeeping_interval_seconds": 60})
    entry = beat_schedule(settings)["purge-expired-refresh-tokens"]
    assert entry["task"] == purge_expired_refresh_tokens.name
    assert entry["schedule"] == 60.0
    assert celery_app.conf.beat_schedule == beat_schedule(get_settings())


def test_an_interval_of_zero_switches_the_purge_off() -> None:
    settings = get_settings().model_copy(update={"housekeeping_interval_seconds": 0})
    assert beat_schedule(settings) == {}


def test_housekeeping_runs_on_its_own_queue() -> None:
    route = celery_app.amqp.router.route({}, purge_expired_refresh_tokens.name)
    assert route["queue"].name == "housekeeping"
