"""The auth domain's share of the app: `/api/v1/auth` (sign-up, login, refresh, logout)."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.auth.router import router
from {{ cookiecutter.package_name }}.core.features import Feature

FEATURE = Feature(routers=[router])
