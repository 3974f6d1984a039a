"""Settings, read from the environment (and a local `.env` file) by pydantic-settings."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal
{%- if 'db' in cookiecutter | features %}
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
{%- endif %}

from fastapi import Depends, Request
from pydantic import {% if 'email' in cookiecutter | features %}EmailStr, {% endif %}Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me"  # noqa: S105 (the placeholder production refuses)
MIN_SECRET_KEY_LENGTH = 32
{%- if 'auth' in cookiecutter | features %}
# OWASP's argon2id floor (19 MiB, 2 passes): production refuses cheaper password hashing.
MIN_PRODUCTION_HASH_MEMORY_KIB = 19 * 1024
MIN_PRODUCTION_HASH_TIME_COST = 2
# argon2 needs at least 8 KiB of memory per lane (PASSWORD_HASH_PARALLELISM).
ARGON2_MIN_KIB_PER_LANE = 8
{%- endif %}
{%- if 'email' in cookiecutter | features %}
# Mailpit, the development mail catcher: production refuses it.
DEVELOPMENT_SMTP_HOSTS = frozenset({"localhost", "127.0.0.1", "mailpit"})
DEVELOPMENT_SMTP_PORT = 1025
{%- endif %}

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
    # How long a process trusts what it read of a user (active? administrator?) before reading it
    # again: the bound on how late a deactivation reaches the other processes. 0 reads every time.
    auth_status_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # argon2id costs of new password hashes; stored hashes keep the costs they were made with.
    # The defaults are argon2-cffi's own (RFC 9106's low-memory profile).
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=64 * 1024, ge=ARGON2_MIN_KIB_PER_LANE)
    password_hash_parallelism: int = Field(default=4, ge=1)
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
    # Kept open between requests; overflow connections are opened for a burst and closed after it,
    # so a pool smaller than the steady concurrency reconnects (TLS included) on every request.
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=5, ge=0)
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
{%- if 'cookie' in cookiecutter | features %}

    # Unset: Secure cookies in production only (tests and local development speak plain HTTP).
    cookie_secure: bool | None = None
    # lax: cookies go with top-level navigations from other sites but not with their POSTs.
    cookie_samesite: Literal["lax", "strict", "none"] = "lax"
{%- endif %}
{%- if 'cache' in cookiecutter | features and 'auth' in cookiecutter | features %}

    login_rate_limit: int = Field(default=5, ge=1)
    login_rate_limit_window_seconds: int = Field(default=60, ge=1)
{%- endif %}
{%- if 'cache' in cookiecutter | features and 'email' in cookiecutter | features %}

    # Forgot-password and request-verification requests per client IP (each route) per window.
    email_link_rate_limit: int = Field(default=10, ge=1)
    email_link_rate_limit_window_seconds: int = Field(default=900, ge=1)
{%- endif %}
{%- if 'prometheus' in cookiecutter | features %}

    # Set: /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. Needed wherever no proxy
    # keeps /metrics off the internet (Kubernetes ingress, Heroku, Render); empty serves it to all.
    metrics_token: str = ""
{%- endif %}
{%- if 'sentry' in cookiecutter | features %}

    # Empty switches Sentry off. The environment defaults to ENVIRONMENT.
    sentry_dsn: str = ""
    sentry_environment: str = ""
    sentry_traces_sample_rate: float = Field(default=0.1, ge=0, le=1)
{%- endif %}
{%- if 'email' in cookiecutter | features %}

    # Outgoing mail. The defaults reach Mailpit, the development mail catcher (compose.yaml).
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    # none: plain SMTP (Mailpit); starttls: upgrade on port 587; tls: implicit TLS on port 465.
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout: float = Field(default=10.0, gt=0)
    email_from: EmailStr = "noreply@{{ cookiecutter.domain_name }}"
    email_from_name: str = "{{ cookiecutter.project_name }}"
    # Where the links in emails point: the web app that shows the verify and reset pages.
    frontend_url: str = "http://localhost:3000"
    require_verified_email: bool = False
    email_verification_token_expire_hours: int = Field(default=48, ge=1)
    password_reset_token_expire_minutes: int = Field(default=30, ge=1)
    # At most one link per user and purpose in this many seconds (0 = no limit): a form cannot
    # be used to flood someone's inbox.
    email_resend_interval_seconds: int = Field(default=60, ge=0)
{%- if 'celery' in cookiecutter | features %}
    email_max_retries: int = Field(default=8, ge=0)
    email_retry_backoff_seconds: float = Field(default=10.0, gt=0)
    email_retry_backoff_max_seconds: float = Field(default=600.0, gt=0)
{%- endif %}
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
{%- if 'cookie' in cookiecutter | features %}
        if self.cookie_samesite == "none" and not self.secure_cookies:
            raise ValueError(
                "COOKIE_SAMESITE=none needs Secure cookies (browsers drop them otherwise); "
                "set COOKIE_SECURE=true or COOKIE_SAMESITE=lax"
            )
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
        lanes_need = ARGON2_MIN_KIB_PER_LANE * self.password_hash_parallelism
        if self.password_hash_memory_kib < lanes_need:
            raise ValueError(
                f"PASSWORD_HASH_MEMORY_KIB={self.password_hash_memory_kib} is below the "
                f"{ARGON2_MIN_KIB_PER_LANE} KiB per lane that argon2 needs for "
                f"PASSWORD_HASH_PARALLELISM={self.password_hash_parallelism}; set "
                f"PASSWORD_HASH_MEMORY_KIB to {lanes_need} or more"
            )
{%- endif %}
        if self.environment == "production":
            self._refuse_unsafe_production_values()
{%- if 'email' in cookiecutter | features %}
            self._refuse_unusable_email_settings()
{%- endif %}
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
{%- if 'prometheus' in cookiecutter | features %}
        if self.metrics_token and len(self.metrics_token) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"METRICS_TOKEN is {len(self.metrics_token)} characters long; set METRICS_TOKEN "
                f"to {MIN_SECRET_KEY_LENGTH}+ random characters (openssl rand -hex 32)"
            )
{%- endif %}
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError(
                "CORS_ORIGINS='*' with CORS_ALLOW_CREDENTIALS=true is refused in production; "
                "list the allowed origins in CORS_ORIGINS or set CORS_ALLOW_CREDENTIALS=false"
            )
{%- if 'cookie' in cookiecutter | features %}
        if self.cookie_secure is False:
            raise ValueError(
                "COOKIE_SECURE=false is refused in production: the auth cookies would travel "
                "over plain HTTP; serve HTTPS and unset COOKIE_SECURE (or set it to true)"
            )
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
        if self.password_hash_memory_kib < MIN_PRODUCTION_HASH_MEMORY_KIB:
            raise ValueError(
                f"PASSWORD_HASH_MEMORY_KIB={self.password_hash_memory_kib} is below OWASP's "
                f"argon2id minimum of {MIN_PRODUCTION_HASH_MEMORY_KIB} (19 MiB) in production; set "
                f"PASSWORD_HASH_MEMORY_KIB to {MIN_PRODUCTION_HASH_MEMORY_KIB} or more, or unset it"
            )
        if self.password_hash_time_cost < MIN_PRODUCTION_HASH_TIME_COST:
            raise ValueError(
                f"PASSWORD_HASH_TIME_COST={self.password_hash_time_cost} is below OWASP's "
                f"argon2id minimum of {MIN_PRODUCTION_HASH_TIME_COST} in production; set "
                f"PASSWORD_HASH_TIME_COST to {MIN_PRODUCTION_HASH_TIME_COST} or more, or unset it"
            )
{%- endif %}

{%- if 'email' in cookiecutter | features %}

    def _refuse_unusable_email_settings(self) -> None:
        if not self.smtp_host:
            raise ValueError("SMTP_HOST is empty; set SMTP_HOST to your mail server's host name")
        if self.smtp_host in DEVELOPMENT_SMTP_HOSTS and self.smtp_port == DEVELOPMENT_SMTP_PORT:
            raise ValueError(
                f"SMTP_HOST={self.smtp_host} SMTP_PORT={self.smtp_port} is Mailpit, the "
                "development mail catcher; set SMTP_HOST and SMTP_PORT to your mail server"
            )
        if bool(self.smtp_user) != bool(self.smtp_password):
            missing = "SMTP_PASSWORD" if self.smtp_user else "SMTP_USER"
            raise ValueError(
                f"{missing} is empty but its partner is set; set both SMTP_USER and SMTP_PASSWORD, "
                "or neither"
            )
        if self.smtp_password and self.smtp_tls == "none":
            raise ValueError(
                "SMTP_TLS=none would send SMTP_PASSWORD in clear text; "
                "set SMTP_TLS=starttls (port 587) or SMTP_TLS=tls (port 465)"
            )
        frontend = urlsplit(self.frontend_url)
        if frontend.scheme != "https" or not frontend.hostname:
            raise ValueError(
                f"FRONTEND_URL={self.frontend_url!r} is not an https URL; set FRONTEND_URL to the "
                "address of the web app that the links in emails open"
            )
        if frontend.hostname in {"localhost", "127.0.0.1"}:
            raise ValueError(
                f"FRONTEND_URL={self.frontend_url!r} points at this machine; set FRONTEND_URL to "
                "the public address of the web app"
            )
{%- endif %}

    @property
    def is_production(self) -> bool:
        """True when ENVIRONMENT=production."""
        return self.environment == "production"
{%- if 'cookie' in cookiecutter | features %}

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry the Secure flag: COOKIE_SECURE, else only in production."""
        return self.is_production if self.cookie_secure is None else self.cookie_secure
{%- endif %}


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
