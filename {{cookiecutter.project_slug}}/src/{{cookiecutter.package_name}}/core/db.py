"""Async SQLAlchemy: engine, session factory, declarative `Base` and the `SessionDep` dependency."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event, func, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
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


# Reads and writes are told apart by the HTTP method: GET and HEAD never write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def create_engine(settings: Settings, *, ping_on_checkout: bool = True) -> AsyncEngine:
    """An engine that fails fast: bounded connect and command timeouts, dead connections dropped.

    `ping_on_checkout` spends a round trip on every checkout to find connections the server
    closed. The API passes False: its event loop always runs, so asyncpg has already marked such
    connections closed, and checking that flag (`_drop_closed_connection`) costs nothing.
    """
    connect_args: dict[str, Any] = {}
    engine_args: dict[str, Any] = {}
    is_asyncpg = settings.database_url.startswith("postgresql+asyncpg://")
    if is_asyncpg:
        connect_args = {
            "timeout": settings.database_connect_timeout,
            "command_timeout": settings.database_command_timeout,
        }
        engine_args = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_connect_timeout,
        }
    engine = create_async_engine(
        settings.database_url,
        pool_pre_ping=ping_on_checkout,
        connect_args=connect_args,
        echo=False,
        **engine_args,
    )
    if is_asyncpg and not ping_on_checkout:
        event.listen(engine.sync_engine.pool, "checkout", _drop_closed_connection)
    return engine


def _drop_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Make the pool discard a connection the server closed (restart, failover) and take another."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GET and HEAD: autocommit, which saves a BEGIN and a ROLLBACK round trip.

    Reads see the same data either way: under READ COMMITTED every statement takes a fresh
    snapshot, inside a transaction or not.
    """
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


class SessionGate:
    """Admits at most `capacity` sessions at once (the pool's size), first come, first served.

    SQLAlchemy's async pool hands a returned connection to whoever asks next, ahead of the
    requests already waiting, so under sustained load a few wait until the pool timeout and fail
    while the rest are fast. Queueing in a fair semaphore instead keeps the pool free of waiters.
    """

    def __init__(self, capacity: int, timeout: float) -> None:
        self._slots = asyncio.Semaphore(capacity)
        self._timeout = timeout

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        """Hold a slot; raise the pool's own timeout error if none frees up in time."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise PoolTimeoutError(f"no database connection free within {self._timeout} s") from exc
        try:
            yield
        finally:
            self._slots.release()


def create_session_gate(settings: Settings) -> SessionGate:
    """A gate as wide as the pool (size + overflow), waiting as long as the pool would."""
    return SessionGate(
        settings.database_pool_size + settings.database_max_overflow,
        timeout=settings.database_connect_timeout,
    )


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, from the factories the lifespan put on `app.state`.

    GET and HEAD get an autocommit session (`create_read_session_factory`): write in POST, PUT,
    PATCH or DELETE routes, whose sessions run in a transaction.
    """
    state = request.app.state
    reads = request.method in READ_ONLY_METHODS
    factory: async_sessionmaker[AsyncSession] = (
        state.read_session_factory if reads else state.session_factory
    )
    async with state.session_gate(), factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def check_database(state: State) -> None:
    """Readiness check: `SELECT 1` on a pooled connection."""
    engine: AsyncEngine = state.engine
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
