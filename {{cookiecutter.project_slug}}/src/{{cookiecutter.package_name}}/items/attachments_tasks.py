"""The Celery side of attachments: removing a deleted item's objects, with retries."""

from __future__ import annotations

import asyncio
import uuid

import structlog

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.core.storage import StorageUnavailable, open_storage
from {{ cookiecutter.package_name }}.items.attachments import item_prefix
from {{ cookiecutter.package_name }}.worker.app import celery_app
from {{ cookiecutter.package_name }}.worker.base import ServiceTask, backoff_with_jitter, enqueue_headers
from {{ cookiecutter.package_name }}.worker.runtime import current_runtime

logger = structlog.get_logger(__name__)

# About an hour of attempts (2 s, 4 s, ... capped at 10 min) before the objects are left and logged.
MAX_RETRIES = 10
BACKOFF_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 600.0


async def remove_objects(settings: Settings, item_id: uuid.UUID) -> int:
    """Delete every object under the item's prefix, with a client of this call's own."""
    async with open_storage(settings) as storage:
        return await storage.delete_prefix(item_prefix(item_id))


@celery_app.task(
    bind=True, base=ServiceTask, name="attachments.remove_item_objects", max_retries=MAX_RETRIES
)
def remove_item_objects(self: ServiceTask, item_id: str) -> int:
    """Delete a deleted item's objects, retrying while the store is down. Idempotent."""
    retries = self.request.retries
    try:
        count = current_runtime().loop.run_until_complete(
            remove_objects(get_settings(), uuid.UUID(item_id))
        )
    except StorageUnavailable as exc:
        if retries >= MAX_RETRIES:
            logger.error("item_objects_left", item_id=item_id, prefix=f"items/{item_id}/")
            raise
        countdown = backoff_with_jitter(retries, BACKOFF_SECONDS, BACKOFF_MAX_SECONDS)
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info("item_objects_removed", item_id=item_id, count=count)
    return count


async def send_remove_item_objects(item_id: uuid.UUID) -> None:
    """Publish the removal of the item's objects (a thread: publishing blocks)."""
    await asyncio.to_thread(
        remove_item_objects.apply_async,
        args=(str(item_id),),
        headers=enqueue_headers(),
        ignore_result=True,
    )
