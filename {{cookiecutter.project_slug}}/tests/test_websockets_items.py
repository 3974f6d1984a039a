"""Item changes reach the socket of the item's owner once committed, and nothing on a rollback."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from {{ cookiecutter.package_name }}.items.models import Item
from tests.fixtures.live import LiveServer, Member, next_message, open_socket


async def test_item_changes_are_pushed_once_committed(
    live_server: LiveServer, member: Member, api_engine: AsyncEngine
) -> None:
    sessions = async_sessionmaker(api_engine, expire_on_commit=False)
    client, _ = await open_socket(live_server.url, member)
    async with client, sessions() as session:
        discarded = Item(title="never committed", **member.owner_columns)
        session.add(discarded)
        await session.flush()
        await session.rollback()

        item = Item(title="a", **member.owner_columns)
        session.add(item)
        await session.commit()
        created = await next_message(client, "item")
        item.title = "b"
        await session.commit()
        updated = await next_message(client, "item")
        await session.delete(item)
        await session.commit()
        deleted = await next_message(client, "item")
    # The rolled-back item told nobody: the first event is the committed one's.
    assert [created["data"], updated["data"], deleted["data"]] == [
        {"id": str(item.id), "action": action} for action in ("created", "updated", "deleted")
    ]
