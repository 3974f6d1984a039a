"""Items: create, list, read, update, delete{% if 'auth' in cookiecutter | features %}, always scoped to the owner{% endif %}."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.pagination import PageParams
from {{ cookiecutter.package_name }}.items.exceptions import ItemNotFound
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemRead, ItemUpdate
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.principal import Principal
{%- endif %}

# Reads select these columns with SQLAlchemy Core: plain rows, no identity map or unit of work,
# validated once into `ItemRead`. Writes keep the ORM.
ITEMS = Item.__table__
READ_COLUMNS = (
    ITEMS.c.id,
    ITEMS.c.title,
    ITEMS.c.description,
    ITEMS.c.created_at,
    ITEMS.c.updated_at,
)
{%- if 'auth' in cookiecutter | features %}


async def create_item(session: AsyncSession, owner: Principal, data: ItemCreate) -> Item:
    """Create an item owned by `owner`."""
    item = Item(owner_id=owner.id, **data.model_dump())
    session.add(item)
    await session.commit()
    return item


async def get_owned_item(session: AsyncSession, owner: Principal, item_id: uuid.UUID) -> Item:
    """The item, if `owner` owns it. Someone else's item is "not found", not "forbidden"."""
    item = await session.scalar(select(Item).where(Item.id == item_id, Item.owner_id == owner.id))
    if item is None:
        raise ItemNotFound
    return item


async def read_owned_item(session: AsyncSession, owner: Principal, item_id: uuid.UUID) -> ItemRead:
    """`get_owned_item` for reading only: a row, not an ORM object."""
    row = (
        await session.execute(
            select(*READ_COLUMNS).where(ITEMS.c.id == item_id, ITEMS.c.owner_id == owner.id)
        )
    ).first()
    if row is None:
        raise ItemNotFound
    return ItemRead.model_validate(row)


async def list_items(
    session: AsyncSession, owner: Principal, page: PageParams
) -> tuple[list[ItemRead], int]:
    """One page of the owner's items, newest first, and their total count.

    The total rides on every row as a window count, so one statement answers both; only a page
    past the end, which has no row to carry it, needs a separate count.
    """
    owned = ITEMS.c.owner_id == owner.id
    rows = (
        await session.execute(
            select(*READ_COLUMNS, func.count().over().label("total"))
            .where(owned)
            .order_by(ITEMS.c.created_at.desc(), ITEMS.c.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).all()
    if rows:
        return [ItemRead.model_validate(row) for row in rows], rows[0].total
    total = await session.scalar(select(func.count()).select_from(ITEMS).where(owned))
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


async def read_item(session: AsyncSession, item_id: uuid.UUID) -> ItemRead:
    """`get_item` for reading only: a row, not an ORM object."""
    row = (await session.execute(select(*READ_COLUMNS).where(ITEMS.c.id == item_id))).first()
    if row is None:
        raise ItemNotFound
    return ItemRead.model_validate(row)


async def list_items(session: AsyncSession, page: PageParams) -> tuple[list[ItemRead], int]:
    """One page of the items, newest first, and their total count.

    The total rides on every row as a window count, so one statement answers both; only a page
    past the end, which has no row to carry it, needs a separate count.
    """
    rows = (
        await session.execute(
            select(*READ_COLUMNS, func.count().over().label("total"))
            .order_by(ITEMS.c.created_at.desc(), ITEMS.c.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).all()
    if rows:
        return [ItemRead.model_validate(row) for row in rows], rows[0].total
    total = await session.scalar(select(func.count()).select_from(ITEMS))
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
