"""Alembic environment: async engine, URL from the service settings, models from every domain."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

# Every model module is imported (F401), so Base.metadata knows every table.
{%- if 'email' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.account import models as account_models  # noqa: F401
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.auth import models as auth_models  # noqa: F401
{%- endif %}
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import Base, create_engine
{%- if 'items' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.items import models as items_models  # noqa: F401
{%- endif %}
{%- if 'jobs' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.jobs import models as jobs_models  # noqa: F401
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users import models as users_models  # noqa: F401
{%- endif %}

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade head --sql`) without connecting."""
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(get_settings())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
