"""Async SQLAlchemy: engine, session factory, declarative `Base` and the `SessionDep` dependency."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, func, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.config import Settings

# Deterministic constraint names, so Alembic can drop and alter them in every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; its metadata is what Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class UUIDPrimaryKeyMixin:
    """A random UUID primary key: public ids that leak neither counts nor order."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    """`created_at` and `updated_at`, set in Python so they are readable without a refresh."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine that fails fast: bounded connect and command timeouts, stale connections pinged."""
    connect_args: dict[str, Any] = {}
    engine_args: dict[str, Any] = {}
    if settings.database_url.startswith("postgresql+asyncpg://"):
        connect_args = {
            "timeout": settings.database_connect_timeout,
            "command_timeout": settings.database_command_timeout,
        }
        engine_args = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_connect_timeout,
        }
    return create_async_engine(
        settings.database_url,
        pool_pre_ping=True,
        connect_args=connect_args,
        echo=False,
        **engine_args,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, from the factory the lifespan put on `app.state`."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def check_database(state: State) -> None:
    """Readiness check: `SELECT 1` on a pooled connection."""
    engine: AsyncEngine = state.engine
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
