"""Items CRUD: {% if 'auth' in cookiecutter | features %}owned by the current user, paged, invisible to others{% else %}public (no login), paged{% endif %}."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
{%- if 'auth' in cookiecutter | features %}


@pytest.fixture
def headers(user_headers: dict[str, str]) -> dict[str, str]:
    """The credentials of the user who owns the items in these tests."""
    return user_headers
{%- else %}


@pytest.fixture
def headers() -> dict[str, str]:
    """No credentials: there are no users, items are public."""
    return {}
{%- endif %}


async def create(client: AsyncClient, headers: dict[str, str], title: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/items", headers=headers, json={"title": title, "description": "about " + title}
    )
    assert response.status_code == 201
    body: dict[str, str] = response.json()
    return body


async def test_create_read_update_delete(client: AsyncClient, headers: dict[str, str]) -> None:
    item = await create(client, headers, "first")
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


{% if 'auth' in cookiecutter | features -%}
async def test_list_is_paged_and_only_shows_own_items(
    client: AsyncClient, headers: dict[str, str], other_user_headers: dict[str, str]
) -> None:
    for n in range(3):
        await create(client, headers, f"mine {n}")
    await create(client, other_user_headers, "theirs")
{%- else -%}
async def test_list_is_paged(client: AsyncClient, headers: dict[str, str]) -> None:
    for n in range(3):
        await create(client, headers, f"mine {n}")
{%- endif %}

    page = await client.get("/api/v1/items", headers=headers, params={"limit": 2})
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 3
    assert body["limit"] == 2
    assert body["offset"] == 0
    assert len(body["items"]) == 2

    rest = await client.get("/api/v1/items", headers=headers, params={"limit": 2, "offset": 2})
    assert len(rest.json()["items"]) == 1
    titles = {i["title"] for i in body["items"]} | {i["title"] for i in rest.json()["items"]}
    assert titles == {"mine 0", "mine 1", "mine 2"}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
async def test_paging_bounds_are_validated(
    client: AsyncClient, headers: dict[str, str], params: dict[str, int]
) -> None:
    response = await client.get("/api/v1/items", headers=headers, params=params)
    assert response.status_code == 422


{% if 'auth' in cookiecutter | features -%}
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
{%- else -%}
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
{%- endif %}


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
