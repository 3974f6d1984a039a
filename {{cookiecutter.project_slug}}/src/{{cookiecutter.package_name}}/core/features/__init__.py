"""What each part of the service adds to the app, declared where the part lives.

A part that the template's options can leave out (the database, Redis, the broker, CSRF, metrics,
Sentry, each domain's routes) describes its share of the app as one `Feature`, named `FEATURE`
in a module of its own: `core/features/<part>.py` for the core's parts, `<domain>/feature.py` for
a domain's. `main.py` lists the parts this service has in `FEATURES` and puts them together; a
part is removed by deleting its module and its line there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.health import HealthCheck
from {{ cookiecutter.package_name }}.core.middleware import RequestObserver

Lifespan = Callable[[FastAPI, Settings], AbstractAsyncContextManager[None]]
Install = Callable[[FastAPI, Settings], Sequence[RequestObserver] | None]


@dataclass(frozen=True, kw_only=True)
class Feature:
    """One part's share of the app. `create_app` applies each kind in the order listed here."""

    # Called before the app is built (error reporting hooks in before the first route exists).
    prepare: Callable[[Settings], object] | None = None
    # Entered when the app starts, in `FEATURES` order; left in reverse order when it stops.
    lifespan: Lifespan | None = None
    # Readiness checks of `/health/ready`, by the name they report under.
    health_checks: Mapping[str, HealthCheck] = field(default_factory=dict)
    # Adds middleware, routes outside /api/v1 or app state; returns the observers the
    # request-context middleware tells of every answered request (see `RequestObserver`).
    install: Install | None = None
    # Included under /api/v1, in this order.
    routers: Sequence[APIRouter] = ()
