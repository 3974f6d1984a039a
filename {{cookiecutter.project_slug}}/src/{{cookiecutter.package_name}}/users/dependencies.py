"""Typed dependencies of the users domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.service import get_user


async def get_user_by_id(user_id: uuid.UUID, session: SessionDep) -> User:
    """The user named in the path; 404 otherwise."""
    return await get_user(session, user_id)


UserByIdDep = Annotated[User, Depends(get_user_by_id)]
