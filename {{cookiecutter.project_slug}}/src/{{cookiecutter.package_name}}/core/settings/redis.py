"""Redis: the cache{% if 'broker_redis' in cookiecutter | features %} and the Celery broker{% endif %}."""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class RedisSettings(ServiceSettings):
    redis_url: str = "redis://localhost:6379/0"
    redis_socket_timeout: float = Field(default=2.0, gt=0)
    redis_key_prefix: str = "{{ cookiecutter.project_slug }}:"
