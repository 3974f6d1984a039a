"""Housekeeping of the email tokens: beat sends this task (see `worker.schedule`) to the
`housekeeping` queue."""

from __future__ import annotations

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.account.models import EmailToken
from {{ cookiecutter.package_name }}.core.db import utcnow
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import ServiceTask

logger = structlog.get_logger(__name__)


async def delete_expired_email_tokens(session: AsyncSession) -> int:
    """Delete verification and reset tokens past their expiry (used or not); return how many."""
    result = await session.execute(delete(EmailToken).where(EmailToken.expires_at < utcnow()))
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@celery_app.task(bind=True, base=ServiceTask, name="housekeeping.purge_expired_email_tokens")
def purge_expired_email_tokens(self: ServiceTask) -> int:
    """Beat task: delete expired email tokens."""
    deleted = self.run_with_session(delete_expired_email_tokens)
    logger.info("expired_email_tokens_purged", deleted=deleted)
    return deleted
