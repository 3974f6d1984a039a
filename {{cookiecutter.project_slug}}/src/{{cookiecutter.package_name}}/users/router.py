"""`/api/v1/users`: the current user's profile, and admin management of every user."""

from __future__ import annotations

from fastapi import APIRouter, status

from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.core.pagination import Page, PageParamsDep
from {{ cookiecutter.package_name }}.users import service
from {{ cookiecutter.package_name }}.users.dependencies import (
    CurrentSuperuser,
    CurrentUser,
    UserByIdDep,
    UserStatusCacheDep,
)
from {{ cookiecutter.package_name }}.users.schemas import UserAdminUpdate, UserRead, UserUpdateMe

router = APIRouter(prefix="/users", tags=["users"])

ADMIN_ERRORS = error_responses(401, 403, 404, 422, 503)


@router.get("/me", response_model=UserRead, responses=error_responses(401, 403, 503))
async def read_me(user: CurrentUser) -> UserRead:
    """The current user."""
    return UserRead.model_validate(user)


@router.patch("/me", response_model=UserRead, responses=error_responses(401, 403, 409, 422, 503))
async def update_me(body: UserUpdateMe, user: CurrentUser, session: SessionDep) -> UserRead:
    """Change your own email or password (not your roles)."""
    return UserRead.model_validate(await service.update_user(session, user, body))


@router.get("", response_model=Page[UserRead], responses=error_responses(401, 403, 422, 503))
async def list_users(
    _: CurrentSuperuser, session: SessionDep, page: PageParamsDep
) -> Page[UserRead]:
    """Every user, oldest first (admin)."""
    users, total = await service.list_users(session, page)
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in users],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{user_id}", response_model=UserRead, responses=ADMIN_ERRORS)
async def read_user(_: CurrentSuperuser, user: UserByIdDep) -> UserRead:
    """One user (admin)."""
    return UserRead.model_validate(user)


@router.patch(
    "/{user_id}", response_model=UserRead, responses=error_responses(401, 403, 404, 409, 422, 503)
)
async def update_user(
    _: CurrentSuperuser,
    user: UserByIdDep,
    body: UserAdminUpdate,
    session: SessionDep,
    statuses: UserStatusCacheDep,
) -> UserRead:
    """Change any user, including roles and the active flag (admin)."""
    updated = await service.update_user(session, user, body)
    statuses.forget(updated.id)
    return UserRead.model_validate(updated)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ADMIN_ERRORS)
async def delete_user(
    _: CurrentSuperuser, user: UserByIdDep, session: SessionDep, statuses: UserStatusCacheDep
) -> None:
    """Delete a user with their tokens and items (admin)."""
    user_id = user.id
    await service.delete_user(session, user)
    statuses.forget(user_id)
