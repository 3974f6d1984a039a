"""SQLite (aiosqlite): the engine, set up for a file that the API and a worker share, and the
readiness check. `core/db.py` exports both, with the rest of the database layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.config import Settings


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


# Reads the schema page, so the check touches the file: a missing folder, an unreadable file, one
# that is not a database, or a write lock held past busy_timeout all fail it.
READINESS_QUERY = text("SELECT count(*) FROM sqlite_master")


async def check_database(state: State) -> None:
    """Readiness check: a query on a pooled connection."""
    engine: AsyncEngine = state.engine
    # Autocommit: a transaction would BEGIN IMMEDIATE and wait behind whoever is writing.
    async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        await connection.execute(READINESS_QUERY)
