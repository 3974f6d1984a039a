"""Celery: where tasks and results travel, and how long a task may run."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

{% if 'redis' in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.core.settings.redis import RedisSettings
{%- else -%}
from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings
{%- endif %}


class CelerySettings({% if 'redis' in cookiecutter | features %}RedisSettings{% else %}ServiceSettings{% endif %}):
    # Empty: {% if 'broker_rabbitmq' in cookiecutter | features %}RabbitMQ on localhost (guest){% else %}REDIS_URL{% endif %}.
    celery_broker_url: str = ""
    # Empty: {% if 'redis' in cookiecutter | features %}REDIS_URL{% else %}rpc:// (results travel back over RabbitMQ){% endif %}.
    celery_result_backend: str = ""
    celery_broker_timeout: float = Field(default=2.0, gt=0)
    celery_task_soft_time_limit: int = Field(default=300, ge=1)
    celery_task_time_limit: int = Field(default=360, ge=1)

    @model_validator(mode="after")
    def _check_celery(self) -> Self:
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
        return self
