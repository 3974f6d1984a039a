"""Deleting an item deletes its files: the rows go with the item (ON DELETE CASCADE), the objects
after the answer is sent, in the API process. One attempt: if the store is down then, the objects
stay, and the log says which (`item_objects_left`). A service with a worker hands this to a task
that retries instead (`items/attachments_tasks.py`).
"""

from __future__ import annotations

import uuid

import structlog
from fastapi import BackgroundTasks, Depends, Request

from {{ cookiecutter.package_name }}.core.storage import Storage, StorageUnavailable
from {{ cookiecutter.package_name }}.items.attachments import item_prefix

logger = structlog.get_logger(__name__)


async def remove_item_objects(storage: Storage, item_id: uuid.UUID) -> None:
    """Delete every object of the item; log the prefix left behind if the store is down."""
    try:
        count = await storage.delete_prefix(item_prefix(item_id))
    except StorageUnavailable:
        logger.warning("item_objects_left", item_id=str(item_id), prefix=item_prefix(item_id))
        return
    logger.info("item_objects_removed", item_id=str(item_id), count=count)


async def remove_item_objects_after(
    item_id: uuid.UUID, background: BackgroundTasks, request: Request
) -> None:
    """Once DELETE /items/{item_id} has answered, remove its objects (the delete has committed
    by then; an item that was not deleted, a 404, adds no task)."""
    background.add_task(remove_item_objects, request.app.state.storage, item_id)


# What DELETE /items/{item_id} lists in its `dependencies`.
REMOVES_FILES = Depends(remove_item_objects_after)
