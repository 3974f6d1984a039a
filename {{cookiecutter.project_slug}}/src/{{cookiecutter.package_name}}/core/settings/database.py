"""The database: its URL (normalised for the async drivers), pool and timeouts."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, field_validator

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the asyncpg driver (Heroku and others hand out `postgres://`).

    asyncpg spells libpq's `sslmode` as `ssl`, so that query parameter is renamed too.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+asyncpg://" + url.removeprefix(prefix)
            break
    if url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    if url.startswith("postgresql+asyncpg://") and "sslmode=" in url:
        parts = urlsplit(url)
        query = [
            ("ssl" if key == "sslmode" else key, value) for key, value in parse_qsl(parts.query)
        ]
        url = urlunsplit(parts._replace(query=urlencode(query)))
    return url


class DatabaseSettings(ServiceSettings):
{%- if 'sqlite' in cookiecutter | features %}
    # Relative to the working directory; the folder is created on first connect.
    database_url: str = "sqlite+aiosqlite:///./data/{{ cookiecutter.package_name }}.db"
{%- else %}
    database_url: str = "postgresql+asyncpg://postgres:postgres@localhost:5432/{{ cookiecutter.package_name }}"
{%- endif %}
    # Kept open between requests; overflow connections are opened for a burst and closed after it,
    # so a pool smaller than the steady concurrency reconnects (TLS included) on every request.
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=5, ge=0)
    database_connect_timeout: float = Field(default=5.0, gt=0)
{%- if 'postgresql' in cookiecutter | features %}
    database_command_timeout: float = Field(default=30.0, gt=0)
{%- endif %}

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)
