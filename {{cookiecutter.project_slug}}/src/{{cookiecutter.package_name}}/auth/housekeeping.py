"""Housekeeping of the auth tables: beat sends this task (see `worker.schedule`) to the
`housekeeping` queue."""

from __future__ import annotations

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.auth.models import RefreshToken
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import ServiceTask

logger = structlog.get_logger(__name__)


async def delete_expired_refresh_tokens(session: AsyncSession) -> int:
    """Delete refresh tokens past their expiry; return how many went.

    An expired token can never be accepted again, so its row only costs space and index time.
    """
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < utcnow()))
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@celery_app.task(bind=True, base=ServiceTask, name="housekeeping.purge_expired_refresh_tokens")
def purge_expired_refresh_tokens(self: ServiceTask) -> int:
    """Beat task: delete expired refresh tokens."""
    deleted = self.run_with_session(delete_expired_refresh_tokens)
    logger.info("expired_refresh_tokens_purged", deleted=deleted)
    return deleted
