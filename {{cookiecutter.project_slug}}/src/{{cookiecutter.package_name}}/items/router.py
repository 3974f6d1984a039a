{%- set auth = 'auth' in cookiecutter | features -%}{%- set files = 'attachments' in cookiecutter | features -%}
"""`/api/v1/items`: CRUD on {% if auth %}the current user's items{% else %}items (public: no login){% endif %}."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.core.pagination import Page, PageParamsDep
from {{ cookiecutter.package_name }}.core.responses import JSONModelResponse, model_response
from {{ cookiecutter.package_name }}.items import service
{%- if files %}
from {{ cookiecutter.package_name }}.items.{{ "attachments_tasks" if "celery" in cookiecutter | features else "attachments_cleanup" }} import REMOVES_FILES
{%- endif %}
from {{ cookiecutter.package_name }}.items.dependencies import {% if auth %}OwnedItem{% else %}PathItem{% endif %}
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemRead, ItemUpdate
{%- if auth %}
from {{ cookiecutter.package_name }}.users.dependencies import CurrentPrincipal
{%- endif %}

# Reads and creation answer with `model_response`: validated once, encoded once (core/responses.py).
router = APIRouter(prefix="/items", tags=["items"])
{% if auth %}
ITEM_ERRORS = error_responses(401, 403, 404, 422, 503)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    responses=error_responses(401, 403, 422, 503),
)
async def create_item(
    body: ItemCreate, user: CurrentPrincipal, session: SessionDep
) -> JSONModelResponse:
    """Create an item owned by the current user."""
    item = ItemRead.model_validate(await service.create_item(session, user, body))
    return model_response(item, status.HTTP_201_CREATED)


@router.get("", response_model=Page[ItemRead], responses=error_responses(401, 403, 422, 503))
async def list_items(
    user: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> JSONModelResponse:
    """The current user's items, newest first."""
    items, total = await service.list_items(session, user, page)
{%- else %}
ITEM_ERRORS = error_responses(404, 422, 503)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    responses=error_responses(422, 503),
)
async def create_item(body: ItemCreate, session: SessionDep) -> JSONModelResponse:
    """Create an item."""
    item = ItemRead.model_validate(await service.create_item(session, body))
    return model_response(item, status.HTTP_201_CREATED)


@router.get("", response_model=Page[ItemRead], responses=error_responses(422, 503))
async def list_items(session: SessionDep, page: PageParamsDep) -> JSONModelResponse:
    """The items, newest first."""
    items, total = await service.list_items(session, page)
{%- endif %}
    return model_response(
        Page[ItemRead](items=items, total=total, limit=page.limit, offset=page.offset)
    )
{% if auth %}

@router.get("/{item_id}", response_model=ItemRead, responses=ITEM_ERRORS)
async def read_item(
    item_id: uuid.UUID, user: CurrentPrincipal, session: SessionDep
) -> JSONModelResponse:
    """One of the current user's items."""
    return model_response(await service.read_owned_item(session, user, item_id))


@router.patch("/{item_id}", response_model=ItemRead, responses=ITEM_ERRORS)
async def update_item(item: OwnedItem, body: ItemUpdate, session: SessionDep) -> ItemRead:
    """Change one of the current user's items."""
    return ItemRead.model_validate(await service.update_item(session, item, body))


@router.delete({% if files %}
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ITEM_ERRORS,
    dependencies=[REMOVES_FILES],  # its files go too, after the answer
){% else %}"/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ITEM_ERRORS){% endif %}
async def delete_item(item: OwnedItem, session: SessionDep) -> None:
    """Delete one of the current user's items."""
    await service.delete_item(session, item)
{%- else %}

@router.get("/{item_id}", response_model=ItemRead, responses=ITEM_ERRORS)
async def read_item(item_id: uuid.UUID, session: SessionDep) -> JSONModelResponse:
    """One item."""
    return model_response(await service.read_item(session, item_id))


@router.patch("/{item_id}", response_model=ItemRead, responses=ITEM_ERRORS)
async def update_item(item: PathItem, body: ItemUpdate, session: SessionDep) -> ItemRead:
    """Change an item."""
    return ItemRead.model_validate(await service.update_item(session, item, body))


@router.delete({% if files %}
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ITEM_ERRORS,
    dependencies=[REMOVES_FILES],  # its files go too, after the answer
){% else %}"/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ITEM_ERRORS){% endif %}
async def delete_item(item: PathItem, session: SessionDep) -> None:
    """Delete an item."""
    await service.delete_item(session, item)
{%- endif %}
