"""Settings: the Celery broker is the service's Redis unless CELERY_BROKER_URL names another."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.core.config import Settings


def test_celery_broker_defaults_to_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = Settings(_env_file=None, redis_url="redis://cache:6379/3")
    assert settings.celery_broker_url == "redis://cache:6379/3"
    explicit = Settings(_env_file=None, celery_broker_url="amqp://guest@mq//")
    assert explicit.celery_broker_url == "amqp://guest@mq//"
