"""The attachments example's share of the app: `/api/v1/items/{item_id}/attachments`."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.items.attachments_router import router

FEATURE = Feature(routers=[router])
