"""Attachments of a service with users: only the item's owner reaches its files."""

from __future__ import annotations

from httpx import AsyncClient

from tests.fixtures import items
from tests.fixtures.storage import upload


async def test_another_users_item_attachments_are_404(
    client: AsyncClient, user_headers: dict[str, str], other_user_headers: dict[str, str]
) -> None:
    item = await items.create(client, other_user_headers, "private")
    path = f"/api/v1/items/{item['id']}/attachments"
    body = {"filename": "theirs.txt", "content_type": "text/plain"}
    started = await client.post(path, headers=other_user_headers, json=body)
    assert started.status_code == 201
    form = started.json()["upload"]
    sent = await upload(form["url"], form["fields"], b"x", "text/plain")
    assert sent.status_code == 204
    attachment = started.json()["attachment"]["id"]

    assert (await client.post(path, headers=user_headers, json=body)).status_code == 404
    assert (await client.get(path, headers=user_headers)).status_code == 404
    confirm = f"{path}/{attachment}/confirm"
    assert (await client.post(confirm, headers=user_headers)).status_code == 404
    assert (await client.delete(f"{path}/{attachment}", headers=user_headers)).status_code == 404
    # The owner's view is untouched.
    assert (await client.post(confirm, headers=other_user_headers)).status_code == 200
    listed = await client.get(path, headers=other_user_headers)
    assert [entry["id"] for entry in listed.json()["items"]] == [attachment]


async def test_attachments_need_authentication(client: AsyncClient) -> None:
    item_path = "/api/v1/items/00000000-0000-0000-0000-000000000000/attachments"
    assert (await client.get(item_path)).status_code == 401
