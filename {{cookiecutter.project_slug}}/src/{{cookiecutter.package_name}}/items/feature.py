"""The items example's share of the app: `/api/v1/items`."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.items.router import router

FEATURE = Feature(routers=[router])
