"""Async SQLAlchemy: engine, session factory, declarative `Base` and the `SessionDep` dependency."""

from __future__ import annotations

import asyncio
{%- if 'postgresql' in cookiecutter | features %}
import time
{%- endif %}
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
{%- if 'sqlite' in cookiecutter | features %}
from pathlib import Path
{%- endif %}
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, event, func, text
{%- if 'sqlite' in cookiecutter | features %}
from sqlalchemy.engine import Connection, make_url
{%- endif %}
{%- if 'postgresql' in cookiecutter | features %}
from sqlalchemy.exc import DisconnectionError
{%- endif %}
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
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


{% if 'sqlite' in cookiecutter | features -%}
def create_engine(
    settings: Settings, *, ping_on_checkout: bool = True, foreign_keys: bool = True
) -> AsyncEngine:
    """An engine on the SQLite file in DATABASE_URL, set up by `_configure_sqlite`.

    `ping_on_checkout` tests each connection as it leaves the pool (cheap: no network).
    `foreign_keys=False` is for migrations only: SQLite's table rebuilds need it off.
    """
    engine_args: dict[str, Any] = {}
    sqlite_file = _sqlite_file(settings.database_url)
    if sqlite_file is not None:
        # A file database gets a queue pool (`:memory:` gets a single static connection).
        engine_args = {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow,
            "pool_timeout": settings.database_connect_timeout,
        }
    engine = create_async_engine(
        settings.database_url, pool_pre_ping=ping_on_checkout, echo=False, **engine_args
    )
    _configure_sqlite(engine, settings, sqlite_file, foreign_keys=foreign_keys)
    return engine


def _sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for in-memory databases and `file:` URIs."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _configure_sqlite(
    engine: AsyncEngine, settings: Settings, sqlite_file: str | None, *, foreign_keys: bool
) -> None:
    """The file's folder, connection PRAGMAs, and transactions that SQLAlchemy begins.

    - SQLite creates a missing file but not its folder (`./data` by default): each connect
      creates it first, so a failure shows up where connections fail (readiness), not at start.

    - `foreign_keys`: SQLite ignores FOREIGN KEY (and ON DELETE CASCADE) unless told so on
      each connection.
    - `journal_mode=WAL`: readers do not block the writer (the API and a worker share the file).
    - `busy_timeout`: wait this long for another connection's write lock instead of failing.
    - The driver's own BEGIN handling is off (it never BEGINs before a SELECT or a SAVEPOINT,
      which breaks SAVEPOINTs), and every transaction starts with `BEGIN IMMEDIATE`: it takes the
      write lock up front, so concurrent writers queue on `busy_timeout` instead of one failing
      with "database is locked" when it upgrades a read. That lock also stands in for
      `SELECT ... FOR UPDATE`, which SQLite ignores. Autocommit connections (the read sessions of
      GET and HEAD) begin nothing, so reads never wait for the lock.
    """
    pragmas = (
        f"busy_timeout = {round(settings.database_connect_timeout * 1000)}",
        "journal_mode = WAL",
        f"foreign_keys = {'ON' if foreign_keys else 'OFF'}",
    )

    def before_connect(*_: Any) -> None:
        if sqlite_file is not None:
            Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "do_connect", before_connect)
    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
{%- else -%}
# A pooled connection that came back less than this long ago is taken to be alive: a busy worker
# takes it again at once for its next task, and a ping on every checkout cost 14% of its time
# (the worker's flame graph in the template repository's benchmarks/results/profiles/).
PING_AFTER_IDLE_SECONDS = 1.0


def create_engine(settings: Settings, *, ping_on_checkout: bool = True) -> AsyncEngine:
    """An engine that fails fast: bounded connect and command timeouts, dead connections dropped.

    A connection the server closed (restart, failover) is dropped at checkout, and another taken:
    - at no cost when asyncpg has already seen it close, which it has whenever the event loop ran
      since. The API's loop always runs, so it passes `ping_on_checkout=False`.
    - with `ping_on_checkout` (a worker, whose loop runs only during a task), by a round trip for
      a connection that sat in the pool for PING_AFTER_IDLE_SECONDS or more.
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
        # Other drivers: SQLAlchemy's own ping on every checkout.
        pool_pre_ping=ping_on_checkout and not is_asyncpg,
        connect_args=connect_args,
        echo=False,
        **engine_args,
    )
    if is_asyncpg:
        pool = engine.sync_engine.pool
        event.listen(pool, "checkout", _drop_closed_connection)
        if ping_on_checkout:
            event.listen(pool, "checkin", _note_return)
            event.listen(pool, "checkout", _ping_if_idle)
    return engine


def _drop_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Make the pool discard a connection asyncpg saw close, and take another."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


def _note_return(dbapi_connection: Any, record: Any) -> None:
    record.info["returned_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Ping a connection that idled in the pool; if the ping fails, the pool takes another."""
    returned_at = record.info.get("returned_at")  # None: a connection made just now
    if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as failure:
        raise DisconnectionError("the pooled connection did not answer a ping") from failure
{%- endif %}


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


{%- if 'sqlite' in cookiecutter | features %}
# Reads the schema page, so the check touches the file: a missing folder, an unreadable file, one
# that is not a database, or a write lock held past busy_timeout all fail it.
READINESS_QUERY = text("SELECT count(*) FROM sqlite_master")
{%- else %}
READINESS_QUERY = text("SELECT 1")
{%- endif %}


async def check_database(state: State) -> None:
    """Readiness check: a query on a pooled connection."""
    engine: AsyncEngine = state.engine
{%- if 'sqlite' in cookiecutter | features %}
    # Autocommit: a transaction would BEGIN IMMEDIATE and wait behind whoever is writing.
    async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
{%- else %}
    async with engine.connect() as connection:
{%- endif %}
        await connection.execute(READINESS_QUERY)
