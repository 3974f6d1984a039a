"""Typed dependencies of the items domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.items.models import Item
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.items.service import get_owned_item
from {{ cookiecutter.package_name }}.users.dependencies import CurrentPrincipal


async def get_item_for_owner(
    item_id: uuid.UUID, user: CurrentPrincipal, session: SessionDep
) -> Item:
    """The item in the path, if the current user owns it; 404 otherwise."""
    return await get_owned_item(session, user, item_id)


OwnedItem = Annotated[Item, Depends(get_item_for_owner)]
{%- else %}
from {{ cookiecutter.package_name }}.items.service import get_item


async def get_item_in_path(item_id: uuid.UUID, session: SessionDep) -> Item:
    """The item in the path; 404 if there is none."""
    return await get_item(session, item_id)


PathItem = Annotated[Item, Depends(get_item_in_path)]
{%- endif %}
