"""Who a request acts for, without loading the user's row on every request.

A valid access token names the user; whether that user is still active, and an administrator, is
kept per process for AUTH_STATUS_CACHE_SECONDS. So most requests make no query to authenticate,
and a deactivated (or deleted, or demoted) user is refused within that bound: at once by the
process that made the change, which forgets its entry, and by every other process once its entry
expires.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.users.models import User

# Bounds the memory: past this many users, the entries nearest expiry go first.
MAX_CACHED_USERS = 10_000


@dataclass(frozen=True, slots=True)
class UserStatus:
    """What authorisation needs to know about a user, as of when it was read."""

    is_active: bool
    is_superuser: bool


@dataclass(frozen=True, slots=True)
class Principal:
    """The active user a request acts for: their id and role, not their row."""

    id: uuid.UUID
    is_superuser: bool

    @classmethod
    def of(cls, user: User) -> Principal:
        """The principal of a user's row (for code that has the row: tests, scripts)."""
        return cls(id=user.id, is_superuser=user.is_superuser)


class UserStatusCache:
    """Each user's status for `ttl_seconds` (0: read it on every request), in this process only."""

    def __init__(self, ttl_seconds: float) -> None:
        self._entries: TTLCache[uuid.UUID, UserStatus | None] = TTLCache(
            maxsize=MAX_CACHED_USERS, ttl=ttl_seconds, timer=time.monotonic
        )

    async def status(self, session: AsyncSession, user_id: uuid.UUID) -> UserStatus | None:
        """The user's status, None if there is no such user: from the cache, else one query."""
        if user_id in self._entries:
            return self._entries[user_id]
        row = (
            await session.execute(
                select(User.is_active, User.is_superuser).where(User.id == user_id)
            )
        ).first()
        status = None if row is None else UserStatus(row.is_active, row.is_superuser)
        if self._entries.ttl > 0:
            self._entries[user_id] = status
        return status

    def forget(self, user_id: uuid.UUID) -> None:
        """Drop the user's entry: after changing their active flag or role, or deleting them."""
        self._entries.pop(user_id, None)
