"""Deleting an item hands the removal of its files to a real Celery worker, which retries while
the store is down."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.core.storage import Storage
from {{ cookiecutter.package_name }}.items import attachments_tasks
from {{ cookiecutter.package_name }}.items.attachments import object_key
from tests.fixtures import items
from tests.fixtures.storage import S3Server, upload

TIMEOUT = 30.0


async def stored_file(client: AsyncClient, headers: dict[str, str], item_id: str) -> str:
    """Upload and confirm a file of the item; its object key."""
    path = f"/api/v1/items/{item_id}/attachments"
    body = {"filename": "f.txt", "content_type": "text/plain"}
    started = (await client.post(path, headers=headers, json=body)).json()
    form = started["upload"]
    sent = await upload(form["url"], form["fields"], b"x", "text/plain")
    assert sent.status_code == 204
    attachment = started["attachment"]["id"]
    assert (await client.post(f"{path}/{attachment}/confirm", headers=headers)).status_code == 200
    return object_key(uuid.UUID(item_id), uuid.UUID(attachment))


async def wait_until_gone(storage: Storage, key: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while await storage.head(key) is not None:
        assert time.monotonic() < deadline, f"{key} still stored after {TIMEOUT}s"
        await asyncio.sleep(0.1)


@pytest.mark.usefixtures("worker")
async def test_the_worker_deletes_a_deleted_items_files(
    client: AsyncClient, headers: dict[str, str], storage: Storage
) -> None:
    item = await items.create(client, headers, "doomed")
    kept = await items.create(client, headers, "kept")
    keys = [await stored_file(client, headers, item["id"]) for _ in range(2)]
    survivor = await stored_file(client, headers, kept["id"])

    assert (await client.delete(f"/api/v1/items/{item['id']}", headers=headers)).status_code == 204
    for key in keys:
        await wait_until_gone(storage, key)
    assert await storage.head(survivor) is not None


@pytest.mark.usefixtures("worker")
async def test_the_worker_retries_while_the_store_is_down(
    client: AsyncClient,
    headers: dict[str, str],
    storage: Storage,
    s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(attachments_tasks, "BACKOFF_SECONDS", 0.2)
    item = await items.create(client, headers, "deleted in an outage")
    key = await stored_file(client, headers, item["id"])
    s3_server.stop()
    # The item goes at once; its files wait for the store.
    assert (await client.delete(f"/api/v1/items/{item['id']}", headers=headers)).status_code == 204
    assert (await client.get(f"/api/v1/items/{item['id']}", headers=headers)).status_code == 404
    await asyncio.sleep(1.0)  # the task has failed at least once by now
    s3_server.start()
    await wait_until_gone(storage, key)
