"""The CSRF check's share of the app (cookie sessions): its middleware and its OpenAPI entries."""

from __future__ import annotations

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.csrf import CSRFMiddleware, document_csrf
from {{ cookiecutter.package_name }}.core.features import Feature


def install_csrf(app: FastAPI, settings: Settings) -> None:
    # The first middleware added, so the innermost: its 403 gets the request id, the security
    # headers and CORS like any other answer.
    app.add_middleware(CSRFMiddleware)
    # Wraps app.openapi, which reads the routes only when the schema is first asked for.
    document_csrf(app)


FEATURE = Feature(install=install_csrf)
