"""Items of a service with users: each belongs to its creator, and only its creator sees it.

The owner-free CRUD and paging are in `test_items.py`.
"""

from __future__ import annotations

from httpx import AsyncClient

from tests.fixtures.items import assert_mine_paged_by_two, create


async def test_list_is_paged_and_only_shows_own_items(
    client: AsyncClient, headers: dict[str, str], other_user_headers: dict[str, str]
) -> None:
    for n in range(3):
        await create(client, headers, f"mine {n}")
    await create(client, other_user_headers, "theirs")
    await assert_mine_paged_by_two(client, headers)


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
