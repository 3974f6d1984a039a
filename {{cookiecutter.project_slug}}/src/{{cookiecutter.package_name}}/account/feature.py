"""The account domain's share of the app: the email routes under `/api/v1/auth`."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.account.router import router
from {{ cookiecutter.package_name }}.core.features import Feature

FEATURE = Feature(routers=[router])
