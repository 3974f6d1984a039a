"""Settings, read from the environment (and a local `.env` file) by pydantic-settings."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal
{%- if 'db' in cookiecutter | features %}
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
{%- endif %}

from fastapi import Depends, Request
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me"  # noqa: S105 (the placeholder production refuses)
MIN_SECRET_KEY_LENGTH = 32

Environment = Literal["development", "test", "production"]


{% if 'db' in cookiecutter | features -%}
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


{% endif -%}
class Settings(BaseSettings):
    """Every setting the service reads; each field maps to the upper-case environment variable."""

    # hide_input_in_errors: a refusal must not print the other settings (secrets) with it.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    project_name: str = "{{ cookiecutter.project_name }}"
    environment: Environment = "development"
    debug: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    root_path: str = ""

{%- if 'auth' in cookiecutter | features %}
    secret_key: str = DEFAULT_SECRET_KEY
    access_token_expire_minutes: int = Field(default=15, ge=1)
    refresh_token_expire_days: int = Field(default=30, ge=1)
{%- else %}
    # Signs nothing yet (there is no auth), but it is the key for whatever is signed later
    # (links, webhooks), so production refuses a weak one already.
    secret_key: str = DEFAULT_SECRET_KEY
{%- endif %}

    cors_origins: Annotated[list[str], NoDecode] = []
    cors_allow_credentials: bool = True
{%- if 'db' in cookiecutter | features %}

{%- if 'sqlite' in cookiecutter | features %}
    # Relative to the working directory; the folder is created on first connect.
    database_url: str = "sqlite+aiosqlite:///./data/{{ cookiecutter.package_name }}.db"
{%- else %}
    database_url: str = "postgresql+asyncpg://postgres:postgres@localhost:5432/{{ cookiecutter.package_name }}"
{%- endif %}
    database_pool_size: int = Field(default=5, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    database_connect_timeout: float = Field(default=5.0, gt=0)
{%- if 'postgresql' in cookiecutter | features %}
    database_command_timeout: float = Field(default=30.0, gt=0)
{%- endif %}
{%- endif %}
{%- if 'redis' in cookiecutter | features %}

    redis_url: str = "redis://localhost:6379/0"
    redis_socket_timeout: float = Field(default=2.0, gt=0)
    redis_key_prefix: str = "{{ cookiecutter.project_slug }}:"
{%- endif %}
{%- if 'celery' in cookiecutter | features %}

    # Empty: {% if 'broker_rabbitmq' in cookiecutter | features %}RabbitMQ on localhost (guest){% else %}REDIS_URL{% endif %}.
    celery_broker_url: str = ""
    # Empty: {% if 'redis' in cookiecutter | features %}REDIS_URL{% else %}rpc:// (results travel back over RabbitMQ){% endif %}.
    celery_result_backend: str = ""
    celery_broker_timeout: float = Field(default=2.0, gt=0)
    celery_task_soft_time_limit: int = Field(default=300, ge=1)
    celery_task_time_limit: int = Field(default=360, ge=1)
{%- endif %}
{%- if 'jobs' in cookiecutter | features %}

    job_max_retries: int = Field(default=5, ge=0)
    job_retry_backoff_seconds: float = Field(default=2.0, gt=0)
    job_retry_backoff_max_seconds: float = Field(default=300.0, gt=0)
{%- endif %}
{%- if 'beat' in cookiecutter | features and 'auth' in cookiecutter | features %}

    # Seconds between purges of expired refresh tokens (0 switches the task off).
    housekeeping_interval_seconds: int = Field(default=3600, ge=0)
{%- endif %}
{%- if 'cache' in cookiecutter | features and 'auth' in cookiecutter | features %}

    login_rate_limit: int = Field(default=5, ge=1)
    login_rate_limit_window_seconds: int = Field(default=60, ge=1)
{%- endif %}

    health_check_timeout: float = Field(default=1.0, gt=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated list (`a,b`) as well as a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value
{%- if 'db' in cookiecutter | features %}

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)
{%- endif %}

    @model_validator(mode="after")
    def _check(self) -> Settings:
{%- if 'celery' in cookiecutter | features %}
        if not self.celery_broker_url:
            self.celery_broker_url = {% if 'broker_rabbitmq' in cookiecutter | features %}"amqp://guest:guest@localhost:5672//"{% else %}self.redis_url{% endif %}
        if not self.celery_result_backend:
            self.celery_result_backend = {% if 'redis' in cookiecutter | features %}self.redis_url{% else %}"rpc://"{% endif %}
        if self.celery_task_soft_time_limit >= self.celery_task_time_limit:
            raise ValueError(
                f"CELERY_TASK_SOFT_TIME_LIMIT={self.celery_task_soft_time_limit} is not below "
                f"CELERY_TASK_TIME_LIMIT={self.celery_task_time_limit}; the soft limit must come "
                "first so a task can clean up"
            )
{%- endif %}
        if self.environment == "production":
            self._refuse_unsafe_production_values()
        return self

    def _refuse_unsafe_production_values(self) -> None:
        if not self.secret_key:
            raise ValueError(
                "SECRET_KEY is empty; set SECRET_KEY to 32+ random bytes (openssl rand -hex 32)"
            )
        if self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "SECRET_KEY is the default value; "
                "set SECRET_KEY to 32+ random bytes (openssl rand -hex 32)"
            )
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SECRET_KEY is {len(self.secret_key)} characters long; set SECRET_KEY to "
                f"{MIN_SECRET_KEY_LENGTH}+ random characters (openssl rand -hex 32)"
            )
        if self.debug:
            raise ValueError("DEBUG=true is refused in production; set DEBUG=false")
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError(
                "CORS_ORIGINS='*' with CORS_ALLOW_CREDENTIALS=true is refused in production; "
                "list the allowed origins in CORS_ORIGINS or set CORS_ALLOW_CREDENTIALS=false"
            )

    @property
    def is_production(self) -> bool:
        """True when ENVIRONMENT=production."""
        return self.environment == "production"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once. Routes get the app's own through `SettingsDep`."""
    return Settings()


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (`create_app(settings)`), as a dependency.

    Async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a hop that cost
    more than the rest of a cheap request.
    """
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
