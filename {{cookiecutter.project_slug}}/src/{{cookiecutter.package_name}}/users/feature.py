"""The users domain's share of the app: `/api/v1/users`."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.users.router import router

FEATURE = Feature(routers=[router])
