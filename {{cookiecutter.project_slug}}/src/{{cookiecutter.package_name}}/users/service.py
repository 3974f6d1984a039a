"""Users: create, read, update, delete. Routes and the CLI call these; they commit."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

{% if 'email' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.core.db import utcnow
{% endif -%}
from {{ cookiecutter.package_name }}.core.pagination import PageParams
from {{ cookiecutter.package_name }}.core.security import hash_password_in_thread
from {{ cookiecutter.package_name }}.users.exceptions import EmailAlreadyRegistered, UserNotFound
from {{ cookiecutter.package_name }}.users.models import User
from {{ cookiecutter.package_name }}.users.schemas import UserAdminUpdate, UserUpdateMe


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    """The user with this email (case-insensitive), if any."""
    result = await session.execute(select(User).where(User.email == email.lower()))
    return result.scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """The user with this id; raises `UserNotFound`."""
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound
    return user


async def _commit_unique_email(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise EmailAlreadyRegistered from exc


async def create_user(
    session: AsyncSession, *, email: str, password: str, is_superuser: bool = False
) -> User:
    """Create an active user; raises `EmailAlreadyRegistered`."""
    if await get_user_by_email(session, email) is not None:
        raise EmailAlreadyRegistered
    hashed_password = await hash_password_in_thread(password)
    user = User(email=email.lower(), hashed_password=hashed_password, is_superuser=is_superuser)
{%- if 'email' in cookiecutter | features %}
    if is_superuser:
        user.email_verified_at = utcnow()  # made by an operator, who vouches for the address
{%- endif %}
    session.add(user)
    await _commit_unique_email(session)
    return user


async def update_user(session: AsyncSession, user: User, changes: UserUpdateMe) -> User:
    """Apply the fields the client sent; a new password is hashed."""
    data = changes.model_dump(exclude_unset=True, exclude_none=True)
    if "email" in data and data["email"] != user.email:
        if await get_user_by_email(session, data["email"]) is not None:
            raise EmailAlreadyRegistered
        user.email = data["email"]
{%- if 'email' in cookiecutter | features %}
        user.email_verified_at = None  # the new address is not verified yet
{%- endif %}
    if "password" in data:
        user.hashed_password = await hash_password_in_thread(data["password"])
    if isinstance(changes, UserAdminUpdate):
        if changes.is_active is not None:
            user.is_active = changes.is_active
        if changes.is_superuser is not None:
            user.is_superuser = changes.is_superuser
    await _commit_unique_email(session)
    return user


async def list_users(session: AsyncSession, page: PageParams) -> tuple[list[User], int]:
    """One page of users, oldest first, and the total count."""
    total = await session.scalar(select(func.count()).select_from(User))
    result = await session.scalars(
        select(User).order_by(User.created_at, User.id).limit(page.limit).offset(page.offset)
    )
    return list(result), total or 0


async def delete_user(session: AsyncSession, user: User) -> None:
    """Delete the user; the database cascades to their tokens and items."""
    await session.delete(user)
    await session.commit()


async def create_or_promote_superuser(
    session: AsyncSession, *, email: str, password: str
) -> tuple[User, bool]:
    """Make `email` a superuser; returns the user and whether it was created."""
    user = await get_user_by_email(session, email)
    if user is None:
        return await create_user(session, email=email, password=password, is_superuser=True), True
    user.is_superuser = True
    user.is_active = True
{%- if 'email' in cookiecutter | features %}
    user.email_verified_at = user.email_verified_at or utcnow()
{%- endif %}
    await session.commit()
    return user, False
