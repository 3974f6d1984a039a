"""The broker's share of the API (the worker runs apart): a readiness check that pings it."""

from __future__ import annotations

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.worker.health import check_broker


def remember_broker(app: FastAPI, settings: Settings) -> None:
    app.state.celery_broker_url = settings.celery_broker_url  # what `check_broker` pings


FEATURE = Feature(install=remember_broker, health_checks={"broker": check_broker})
