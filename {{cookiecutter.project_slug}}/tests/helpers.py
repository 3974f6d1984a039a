"""Helpers that several test modules use (tests/conftest.py loads this as a plugin, so that pytest
rewrites its asserts)."""

from __future__ import annotations

import logging

import pytest

from {{ cookiecutter.package_name }}.core.config import Settings

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
    """Settings that production accepts, but for `overrides`."""
    values: dict[str, object] = {"environment": "production", "secret_key": GOOD_KEY}
{%- if 'auth' in cookiecutter | features %}
    values |= PRODUCTION_PASSWORD_HASHING
{%- endif %}
{%- if 'email' in cookiecutter | features %}
    values |= {"smtp_host": "smtp.example.net", "frontend_url": "https://app.example.com"}
{%- endif %}
{%- if 'storage' in cookiecutter | features %}
    values |= {"s3_access_key_id": "AKIAEXAMPLE", "s3_secret_access_key": "s3-secret-example"}
{%- endif %}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def assert_error_shape(body: dict[str, object], code: str) -> None:
    """`body` is the service's error answer, with this code."""
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "request_id", "details"}
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"]


def logged_events(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    """The structlog events at `level` or above that reached the standard logging handlers."""
    return [
        str(record.msg["event"])
        for record in caplog.records
        if isinstance(record.msg, dict) and record.levelno >= level
    ]
