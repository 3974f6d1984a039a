"""Without a worker, deleting an item removes its files in the API process, after the answer."""

from __future__ import annotations

from httpx import AsyncClient

from {{ cookiecutter.package_name }}.core.storage import Storage
from tests.fixtures import items
from tests.fixtures.attachments import key_of, stored_attachment
from tests.fixtures.storage import S3Server


async def test_deleting_an_item_deletes_its_files(
    client: AsyncClient, headers: dict[str, str], storage: Storage
) -> None:
    item = await items.create(client, headers, "doomed")
    kept = await items.create(client, headers, "kept")
    first = await stored_attachment(client, headers, item, b"one")
    second = await stored_attachment(client, headers, item, b"two")
    survivor = await stored_attachment(client, headers, kept, b"three")

    # The removal runs after the answer; the in-process client returns once it has run.
    assert (await client.delete(f"/api/v1/items/{item['id']}", headers=headers)).status_code == 204
    assert await storage.head(key_of(item, first)) is None
    assert await storage.head(key_of(item, second)) is None
    assert await storage.head(key_of(kept, survivor)) is not None


async def test_an_item_deleted_while_the_store_is_down_still_goes(
    client: AsyncClient, headers: dict[str, str], storage: Storage, s3_server: S3Server
) -> None:
    item = await items.create(client, headers, "deleted in an outage")
    attachment = await stored_attachment(client, headers, item, b"left")
    s3_server.stop()
    assert (await client.delete(f"/api/v1/items/{item['id']}", headers=headers)).status_code == 204
    assert (await client.get(f"/api/v1/items/{item['id']}", headers=headers)).status_code == 404
    s3_server.start()
    # One attempt, made while the store was down: the object stays (and the log says where).
    assert await storage.head(key_of(item, attachment)) is not None
    await storage.delete(key_of(item, attachment))
