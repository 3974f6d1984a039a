"""Items: create, list, read, update, delete{% if 'auth' in cookiecutter | features %}, always scoped to the owner{% endif %}."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.pagination import PageParams
from {{ cookiecutter.package_name }}.items.exceptions import ItemNotFound
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemUpdate
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.models import User


async def create_item(session: AsyncSession, owner: User, data: ItemCreate) -> Item:
    """Create an item owned by `owner`."""
    item = Item(owner_id=owner.id, **data.model_dump())
    session.add(item)
    await session.commit()
    return item


async def get_owned_item(session: AsyncSession, owner: User, item_id: uuid.UUID) -> Item:
    """The item, if `owner` owns it. Someone else's item is "not found", not "forbidden"."""
    item = await session.scalar(select(Item).where(Item.id == item_id, Item.owner_id == owner.id))
    if item is None:
        raise ItemNotFound
    return item


async def list_items(
    session: AsyncSession, owner: User, page: PageParams
) -> tuple[list[Item], int]:
    """One page of the owner's items, newest first, and their total count.

    The total rides on every row as a window count, so one statement answers both; only a page
    past the end, which has no row to carry it, needs a separate count.
    """
    owned = Item.owner_id == owner.id
    rows = (
        await session.execute(
            select(Item, func.count().over().label("total"))
            .where(owned)
            .order_by(Item.created_at.desc(), Item.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).all()
    if rows:
        return [item for item, _ in rows], rows[0].total
    total = await session.scalar(select(func.count()).select_from(Item).where(owned))
    return [], total or 0
{%- else %}


async def create_item(session: AsyncSession, data: ItemCreate) -> Item:
    """Create an item."""
    item = Item(**data.model_dump())
    session.add(item)
    await session.commit()
    return item


async def get_item(session: AsyncSession, item_id: uuid.UUID) -> Item:
    """The item with this id; `ItemNotFound` if there is none."""
    item = await session.get(Item, item_id)
    if item is None:
        raise ItemNotFound
    return item


async def list_items(session: AsyncSession, page: PageParams) -> tuple[list[Item], int]:
    """One page of the items, newest first, and their total count.

    The total rides on every row as a window count, so one statement answers both; only a page
    past the end, which has no row to carry it, needs a separate count.
    """
    rows = (
        await session.execute(
            select(Item, func.count().over().label("total"))
            .order_by(Item.created_at.desc(), Item.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).all()
    if rows:
        return [item for item, _ in rows], rows[0].total
    total = await session.scalar(select(func.count()).select_from(Item))
    return [], total or 0
{%- endif %}


async def update_item(session: AsyncSession, item: Item, changes: ItemUpdate) -> Item:
    """Apply the fields the client sent; a `null` title is ignored, a `null` description clears."""
    data = changes.model_dump(exclude_unset=True)
    if data.get("title") is None:
        data.pop("title", None)
    for field, value in data.items():
        setattr(item, field, value)
    await session.commit()
    return item


async def delete_item(session: AsyncSession, item: Item) -> None:
    """Delete the item."""
    await session.delete(item)
    await session.commit()
