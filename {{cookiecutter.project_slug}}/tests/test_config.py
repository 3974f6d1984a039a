"""Settings: production refuses unsafe values{% if 'db' in cookiecutter | features %}; URLs are normalised{% endif %}."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.core.config import Settings
{%- if 'db' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.settings.database import normalise_database_url
{%- endif %}

GOOD_KEY = "k" * 32
{%- if 'auth' in cookiecutter | features %}
# The tests hash passwords at the cheapest argon2 costs (tests/fixtures/environment.py), which
# production refuses; production settings in the tests take the defaults back.
PRODUCTION_PASSWORD_HASHING: dict[str, object] = {
    name: Settings.model_fields[name].default
    for name in ("password_hash_time_cost", "password_hash_memory_kib", "password_hash_parallelism")
}
{%- endif %}


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {"environment": "production", "secret_key": GOOD_KEY}
{%- if 'auth' in cookiecutter | features %}
    values |= PRODUCTION_PASSWORD_HASHING
{%- endif %}
{%- if 'email' in cookiecutter | features %}
    values |= {"smtp_host": "smtp.example.net", "frontend_url": "https://app.example.com"}
{%- endif %}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_production_accepts_safe_values() -> None:
    settings = production(cors_origins="https://app.example.com")
    assert settings.is_production
    assert settings.cors_origins == ["https://app.example.com"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secret_key": "change-me"}, "SECRET_KEY is the default value"),
        ({"secret_key": ""}, "SECRET_KEY is empty"),
        ({"secret_key": "short"}, "SECRET_KEY is 5 characters long"),
        ({"debug": True}, "DEBUG=true is refused in production"),
        ({"cors_origins": "*", "cors_allow_credentials": True}, "CORS_ORIGINS='*'"),
    ],
)
def test_production_refuses_unsafe_values(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        production(**overrides)


def test_production_refusal_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "change-me")
    with pytest.raises(ValidationError, match="openssl rand -hex 32"):
        Settings(_env_file=None)


def test_development_tolerates_the_default_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY")
    assert Settings(_env_file=None, environment="development").secret_key == "change-me"


def test_wildcard_cors_without_credentials_is_allowed_in_production() -> None:
    settings = production(cors_origins='["*"]', cors_allow_credentials=False)
    assert settings.cors_origins == ["*"]

{%- if 'db' in cookiecutter | features %}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db?sslmode=require", "postgresql+asyncpg://u@h/db?ssl=require"),
        ("sqlite:///./app.db", "sqlite+aiosqlite:///./app.db"),
    ],
)
def test_database_url_is_normalised(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected
    assert Settings(_env_file=None, database_url=url).database_url == expected
{%- endif %}


def test_cors_origins_accept_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example,")
    settings = Settings(_env_file=None)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
{%- if 'celery' in cookiecutter | features %}


{% if 'broker_redis' in cookiecutter | features -%}
def test_celery_broker_defaults_to_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = Settings(_env_file=None, redis_url="redis://cache:6379/3")
    assert settings.celery_broker_url == "redis://cache:6379/3"
{% else -%}
def test_celery_broker_defaults_to_local_rabbitmq(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.celery_broker_url == "amqp://guest:guest@localhost:5672//"
{%- endif %}
    explicit = Settings(_env_file=None, celery_broker_url="amqp://guest@mq//")
    assert explicit.celery_broker_url == "amqp://guest@mq//"
{%- endif %}
