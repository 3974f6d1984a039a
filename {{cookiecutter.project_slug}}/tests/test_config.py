"""Settings: production refuses unsafe values; lists are read from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.core.config import Settings
from tests.helpers import production


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


def test_cors_origins_accept_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example,")
    settings = Settings(_env_file=None)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
