"""Items CRUD: owned by the current user, paged, invisible to others."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient


async def create(client: AsyncClient, headers: dict[str, str], title: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/items", headers=headers, json={"title": title, "description": "about " + title}
    )
    assert response.status_code == 201
    body: dict[str, str] = response.json()
    return body


async def test_create_read_update_delete(client: AsyncClient, user_headers: dict[str, str]) -> None:
    item = await create(client, user_headers, "first")
    path = f"/api/v1/items/{item['id']}"
    uuid.UUID(item["id"])

    read = await client.get(path, headers=user_headers)
    assert read.status_code == 200
    assert read.json()["title"] == "first"

    patched = await client.patch(
        path, headers=user_headers, json={"title": "renamed", "description": None}
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "renamed"
    assert patched.json()["description"] is None

    assert (await client.delete(path, headers=user_headers)).status_code == 204
    missing = await client.get(path, headers=user_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "item_not_found"


async def test_list_is_paged_and_only_shows_own_items(
    client: AsyncClient, user_headers: dict[str, str], other_user_headers: dict[str, str]
) -> None:
    for n in range(3):
        await create(client, user_headers, f"mine {n}")
    await create(client, other_user_headers, "theirs")

    page = await client.get("/api/v1/items", headers=user_headers, params={"limit": 2})
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 3
    assert body["limit"] == 2
    assert body["offset"] == 0
    assert len(body["items"]) == 2

    rest = await client.get("/api/v1/items", headers=user_headers, params={"limit": 2, "offset": 2})
    assert len(rest.json()["items"]) == 1
    titles = {i["title"] for i in body["items"]} | {i["title"] for i in rest.json()["items"]}
    assert titles == {"mine 0", "mine 1", "mine 2"}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
async def test_paging_bounds_are_validated(
    client: AsyncClient, user_headers: dict[str, str], params: dict[str, int]
) -> None:
    response = await client.get("/api/v1/items", headers=user_headers, params=params)
    assert response.status_code == 422


async def test_another_users_item_is_404(
    client: AsyncClient, user_headers: dict[str, str], other_user_headers: dict[str, str]
) -> None:
    item = await create(client, other_user_headers, "private")
    path = f"/api/v1/items/{item['id']}"
    assert (await client.get(path, headers=user_headers)).status_code == 404
    assert (
        await client.patch(path, headers=user_headers, json={"title": "stolen"})
    ).status_code == 404
    assert (await client.delete(path, headers=user_headers)).status_code == 404
    assert (await client.get(path, headers=other_user_headers)).json()["title"] == "private"


async def test_items_need_authentication(client: AsyncClient) -> None:
    assert (await client.get("/api/v1/items")).status_code == 401
    assert (await client.post("/api/v1/items", json={"title": "x"})).status_code == 401


async def test_invalid_bodies_are_422(client: AsyncClient, user_headers: dict[str, str]) -> None:
    for body in ({"title": ""}, {"title": "x" * 201}, {"title": "ok", "owner_id": "x"}):
        response = await client.post("/api/v1/items", headers=user_headers, json=body)
        assert response.status_code == 422
    response = await client.get("/api/v1/items/not-a-uuid", headers=user_headers)
    assert response.status_code == 422


async def test_nul_byte_is_refused_not_a_crash(
    client: AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/items", headers=user_headers, json={"title": "a\u0000b"})
    assert response.status_code == 422
