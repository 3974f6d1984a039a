"""The jobs example's share of the app: `/api/v1/jobs`."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.jobs.router import router

FEATURE = Feature(routers=[router])
