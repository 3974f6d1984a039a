"""The Celery side of attachments: deleting an item hands the removal of its objects to a task
that retries while the store is down (the rows go with the item: ON DELETE CASCADE)."""

from __future__ import annotations

import asyncio
import uuid

import structlog
from fastapi import BackgroundTasks, Depends
from kombu.exceptions import OperationalError as KombuOperationalError

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
            prefix = item_prefix(uuid.UUID(item_id))
            logger.error("item_objects_left", item_id=item_id, prefix=prefix)
            raise
        countdown = backoff_with_jitter(retries, BACKOFF_SECONDS, BACKOFF_MAX_SECONDS)
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info("item_objects_removed", item_id=item_id, count=count)
    return count


async def send_remove_item_objects(item_id: uuid.UUID) -> None:
    """Publish the removal of the item's objects (in a thread: publishing blocks). The item is
    gone already, so a broker that is down is logged with the prefix left behind, never raised."""
    try:
        await asyncio.to_thread(
            remove_item_objects.apply_async,
            args=(str(item_id),),
            headers=enqueue_headers(),
            ignore_result=True,
        )
    except (KombuOperationalError, OSError) as exc:
        logger.warning(
            "item_objects_left", item_id=str(item_id), prefix=item_prefix(item_id), error=str(exc)
        )


async def remove_item_objects_after(item_id: uuid.UUID, background: BackgroundTasks) -> None:
    """Once DELETE /items/{item_id} has answered, hand the removal of its objects to the worker
    (the delete has committed by then; an item that was not deleted, a 404, adds no task)."""
    background.add_task(send_remove_item_objects, item_id)


# What DELETE /items/{item_id} lists in its `dependencies`.
REMOVES_FILES = Depends(remove_item_objects_after)
