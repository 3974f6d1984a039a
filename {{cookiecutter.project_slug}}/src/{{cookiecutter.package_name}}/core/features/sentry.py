"""Sentry's share of the app: the SDK starts before the app is built, so it sees all of it."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.core.sentry import init_sentry

FEATURE = Feature(prepare=init_sentry)
