"""Prometheus's share of the app: `/metrics`, fed by the request-context middleware."""

from __future__ import annotations

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.core.metrics import install_metrics
from {{ cookiecutter.package_name }}.core.middleware import RequestObserver


def serve_metrics(app: FastAPI, settings: Settings) -> list[RequestObserver]:
    return [install_metrics(app, token=settings.metrics_token).observe]


FEATURE = Feature(install=serve_metrics)
