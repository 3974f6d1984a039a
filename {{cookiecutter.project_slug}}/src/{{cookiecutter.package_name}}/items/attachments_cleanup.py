{%- set celery = 'celery' in cookiecutter | features -%}
"""Deleting an item deletes its files: the rows go with the item (ON DELETE CASCADE), the objects
{% if celery %}through a Celery task that retries while the store is down.{% else %}after the
answer is sent, in the API process (one attempt: a failure is logged, and the objects stay).{% endif %}
"""

from __future__ import annotations

import uuid

import structlog
from fastapi import BackgroundTasks{% if not celery %}, Request{% endif %}
{% if not celery %}
from {{ cookiecutter.package_name }}.core.storage import Storage, StorageUnavailable
{%- endif %}
from {{ cookiecutter.package_name }}.items.attachments import item_prefix
{%- if celery %}
from {{ cookiecutter.package_name }}.items.attachments_tasks import send_remove_item_objects
{%- endif %}

logger = structlog.get_logger(__name__)
{%- if celery %}


async def _enqueue(item_id: uuid.UUID) -> None:
    try:
        await send_remove_item_objects(item_id)
    except Exception:  # the item is gone already: say which objects are left, never fail
        logger.exception("item_objects_left", item_id=str(item_id), prefix=item_prefix(item_id))


async def remove_item_objects_after(item_id: uuid.UUID, background: BackgroundTasks) -> None:
    """Once DELETE /items/{item_id} has answered, hand the removal of its objects to the worker
    (the delete has committed by then; an item that was not deleted adds no task)."""
    background.add_task(_enqueue, item_id)
{%- else %}


async def _remove(storage: Storage, item_id: uuid.UUID) -> None:
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
    by then; an item that was not deleted adds no task)."""
    background.add_task(_remove, request.app.state.storage, item_id)
{%- endif %}
