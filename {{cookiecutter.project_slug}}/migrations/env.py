"""Alembic environment: async engine, URL from the service settings, models from every domain."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

{% for module in cookiecutter | model_modules -%}
{% if loop.first -%}
# Every model module is imported, so Base.metadata knows every table.
{% endif -%}
import {{ cookiecutter.package_name }}.{{ module }} as {{ module | replace(".", "_") }}  # noqa: F401
{% endfor -%}
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import Base, UTCDateTime, create_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


{%- if 'sqlite' in cookiecutter | features %}
# SQLite cannot ALTER most things: batch mode rebuilds the table (copy, drop, rename) instead,
# inside one transaction, so a failed migration leaves the file as it was.
CONFIGURE_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "render_as_batch": True,
    "transactional_ddl": True,
}
{%- else %}
CONFIGURE_OPTIONS: dict[str, Any] = {"compare_type": True}
{%- endif %}


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write `UTCDateTime` columns into new revisions as plain `sa.DateTime(timezone=True)`."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade head --sql`) without connecting."""
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_item=render_item,
        **CONFIGURE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        **CONFIGURE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()
{%- if 'sqlite' in cookiecutter | features %}
        # Foreign keys are off for the table rebuilds: check them before the commit instead.
        orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if orphans:
            raise RuntimeError(f"rows whose foreign key points nowhere: {orphans}")
{%- endif %}


async def run_async_migrations() -> None:
{%- if 'sqlite' in cookiecutter | features %}
    # Foreign keys off: with them on, dropping a table during a rebuild would cascade deletes.
    engine = create_engine(get_settings(), foreign_keys=False)
{%- else %}
    engine = create_engine(get_settings())
{%- endif %}
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
