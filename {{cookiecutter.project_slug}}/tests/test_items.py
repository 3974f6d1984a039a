"""Items CRUD, paged, as the test caller (`headers`) sees them.

Where the service has users, items have owners: `test_items_owners.py` tests what that adds.
"""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.fixtures import items


async def test_create_read_update_delete(client: AsyncClient, headers: dict[str, str]) -> None:
    item = await items.create(client, headers, "first")
    path = f"/api/v1/items/{item['id']}"
    uuid.UUID(item["id"])

    read = await client.get(path, headers=headers)
    assert read.status_code == 200
    assert read.json()["title"] == "first"

    patched = await client.patch(
        path, headers=headers, json={"title": "renamed", "description": None}
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "renamed"
    assert patched.json()["description"] is None

    assert (await client.delete(path, headers=headers)).status_code == 204
    missing = await client.get(path, headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "item_not_found"


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
async def test_paging_bounds_are_validated(
    client: AsyncClient, headers: dict[str, str], params: dict[str, int]
) -> None:
    response = await client.get("/api/v1/items", headers=headers, params=params)
    assert response.status_code == 422


{% if 'auth' not in cookiecutter | features -%}
# Without users, items are public: test_items_owners.py has what owners change.
async def test_list_is_paged(client: AsyncClient, headers: dict[str, str]) -> None:
    for n in range(3):
        await items.create(client, headers, f"mine {n}")
    await items.assert_mine_paged_by_two(client, headers)


async def test_a_missing_item_is_404(client: AsyncClient) -> None:
    path = f"/api/v1/items/{uuid.uuid4()}"
    for response in (
        await client.get(path),
        await client.patch(path, json={"title": "x"}),
        await client.delete(path),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "item_not_found"


async def test_items_need_no_login(client: AsyncClient) -> None:
    created = await client.post("/api/v1/items", json={"title": "anyone"})
    assert created.status_code == 201
    listed = await client.get("/api/v1/items")
    assert [i["title"] for i in listed.json()["items"]] == ["anyone"]


{% endif -%}
async def test_invalid_bodies_are_422(client: AsyncClient, headers: dict[str, str]) -> None:
    for body in ({"title": ""}, {"title": "x" * 201}, {"title": "ok", "owner_id": "x"}):
        response = await client.post("/api/v1/items", headers=headers, json=body)
        assert response.status_code == 422
    response = await client.get("/api/v1/items/not-a-uuid", headers=headers)
    assert response.status_code == 422


{% if 'sqlite' in cookiecutter | features -%}
async def test_nul_byte_is_stored_intact_not_a_crash(
    client: AsyncClient, headers: dict[str, str]
) -> None:
    # SQLite stores any text (PostgreSQL refuses NUL, and the service answers 422 there).
    response = await client.post("/api/v1/items", headers=headers, json={"title": "a\u0000b"})
    assert response.status_code == 201
    read = await client.get(f"/api/v1/items/{response.json()['id']}", headers=headers)
    assert read.json()["title"] == "a\u0000b"
{%- else -%}
async def test_nul_byte_is_refused_not_a_crash(
    client: AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/items", headers=headers, json={"title": "a\u0000b"})
    assert response.status_code == 422
{%- endif %}
