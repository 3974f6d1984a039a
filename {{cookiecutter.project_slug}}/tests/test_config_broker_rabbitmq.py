"""Settings: the Celery broker is a local RabbitMQ unless CELERY_BROKER_URL names another;
results go to the service's Redis where it has one."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.core.config import Settings


def test_celery_broker_defaults_to_local_rabbitmq(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.celery_broker_url == "amqp://guest:guest@localhost:5672//"
    explicit = Settings(_env_file=None, celery_broker_url="amqp://guest@mq//")
    assert explicit.celery_broker_url == "amqp://guest@mq//"


def test_settings_default_the_broker_and_backend() -> None:
    settings = Settings(celery_broker_url="", celery_result_backend="")
    assert settings.celery_broker_url.startswith("amqp://")
{%- if 'redis' in cookiecutter | features %}
    assert settings.celery_result_backend == settings.redis_url
{%- else %}
    assert settings.celery_result_backend == "rpc://"
{%- endif %}
