"""Async SQLAlchemy: engine, session factory, declarative `Base` and the `SessionDep` dependency.

What depends on the database, the engine and the readiness check, is in
`core/db_{{ cookiecutter.database }}.py`; this module re-exports it (`import ... as ...`), so the service
imports the whole database layer from here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, func
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db_{{ cookiecutter.database }} import check_database as check_database
from {{ cookiecutter.package_name }}.core.db_{{ cookiecutter.database }} import create_engine as create_engine

# Deterministic constraint names, so Alembic can drop and alter them in every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored and returned in UTC on every database.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones and returns naive values, so values
    are converted to UTC on the way in and marked UTC on the way out. Naive values are refused:
    which zone they mean is a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; pass an aware one (datetime.now(UTC))")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every model; its metadata is what Alembic compares against.

    Every `Mapped[datetime]` column is a `UTCDateTime`: aware UTC values on every database.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class UUIDPrimaryKeyMixin:
    """A random UUID primary key: public ids that leak neither counts nor order."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    """`created_at` and `updated_at`, set in Python so they are readable without a refresh."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


# Reads and writes are told apart by the HTTP method: GET and HEAD never write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_autocommit_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose statements each commit on their own: no BEGIN and COMMIT round trips.

    For work in which every statement stands alone: reads, and single-statement state changes.
    """
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GET and HEAD: autocommit, which saves a BEGIN and a ROLLBACK round trip.

    Reads see the same data either way: under READ COMMITTED every statement takes a fresh
    snapshot, inside a transaction or not.
    """
    return create_autocommit_session_factory(engine)


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
