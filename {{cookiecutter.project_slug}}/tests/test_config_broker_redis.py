"""Settings: the Celery broker and result backend are the service's Redis unless set otherwise."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.core.config import Settings


def test_celery_broker_defaults_to_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = Settings(_env_file=None, redis_url="redis://cache:6379/3")
    assert settings.celery_broker_url == "redis://cache:6379/3"
    explicit = Settings(_env_file=None, celery_broker_url="amqp://guest@mq//")
    assert explicit.celery_broker_url == "amqp://guest@mq//"


def test_settings_default_the_broker_and_backend() -> None:
    settings = Settings(celery_broker_url="", celery_result_backend="")
    assert settings.celery_broker_url == settings.redis_url
    assert settings.celery_result_backend == settings.redis_url
