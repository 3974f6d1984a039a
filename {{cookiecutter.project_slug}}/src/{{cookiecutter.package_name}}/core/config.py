"""Settings, read from the environment (and a local `.env` file) by pydantic-settings.

Each part of the service declares its settings, and what production refuses of them, in a class
of its own in `core/settings/`. `Settings` is all of them together.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

{% for module, cls in (cookiecutter | settings_classes + [("service", "ServiceSettings")]) | sort -%}
from {{ cookiecutter.package_name }}.core.settings.{{ module }} import {{ cls }}
{% endfor %}

class Settings(
{%- for module, cls in cookiecutter | settings_classes %}
    {{ cls }},
{%- endfor %}
    ServiceSettings,
):
    """Every setting the service reads; each field maps to the upper-case environment variable."""


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
