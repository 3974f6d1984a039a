"""The ASGI application: `create_app()` wires settings, middleware, lifespan and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from {{ cookiecutter.package_name }} import __version__
{%- if 'email' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.account.router import router as account_router
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.auth.router import router as auth_router
{%- endif %}
from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
{%- if 'cookie' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.csrf import CSRFMiddleware, document_csrf
{%- endif %}
{%- if 'db' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.db import (
    check_database,
    create_engine,
    create_read_session_factory,
    create_session_factory,
    create_session_gate,
)
{%- endif %}
from {{ cookiecutter.package_name }}.core.errors import install_error_handlers
from {{ cookiecutter.package_name }}.core.health import HealthChecks
from {{ cookiecutter.package_name }}.core.health import router as health_router
from {{ cookiecutter.package_name }}.core.logging import configure_logging
{%- if 'prometheus' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.metrics import install_metrics
{%- endif %}
from {{ cookiecutter.package_name }}.core.middleware import RequestContextMiddleware
{%- if 'redis' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.redis import check_redis, create_redis
{%- endif %}
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import init_sentry
{%- endif %}
{%- if 'items' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.items.router import router as items_router
{%- endif %}
{%- if 'jobs' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.jobs.router import router as jobs_router
{%- endif %}
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.router import router as users_router
{%- endif %}
{%- if 'celery' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.worker.health import check_broker
{%- endif %}

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. Tests pass their own `settings`."""
    settings = settings or get_settings()
    configure_logging(settings)
{%- if 'sentry' in cookiecutter | features %}
    init_sentry(settings)
{%- endif %}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Connections open lazily: the app starts even if a dependency is down (readiness says so).
{%- if 'db' in cookiecutter | features %}
        app.state.engine = create_engine(settings, ping_on_checkout=False)
        app.state.session_factory = create_session_factory(app.state.engine)
        app.state.read_session_factory = create_read_session_factory(app.state.engine)
        app.state.session_gate = create_session_gate(settings)
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
        app.state.redis = create_redis(settings)
{%- endif %}
        try:
            yield
        finally:
{%- if 'redis' in cookiecutter | features %}
            await app.state.redis.aclose()
{%- endif %}
{%- if 'db' in cookiecutter | features %}
            await app.state.engine.dispose()
{%- endif %}
{%- if 'db' not in cookiecutter | features and 'redis' not in cookiecutter | features %}
            pass
{%- endif %}

    app = FastAPI(
        title=settings.project_name,
        version=__version__,
        description="{{ cookiecutter.description }}",
        root_path=settings.root_path,
        lifespan=lifespan,
    )

    app.state.settings = settings  # what `SettingsDep` hands to routes
    health_checks = HealthChecks(timeout=settings.health_check_timeout)
{%- if 'db' in cookiecutter | features %}
    health_checks.register("database", check_database)
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
    health_checks.register("redis", check_redis)
{%- endif %}
{%- if 'celery' in cookiecutter | features %}
    health_checks.register("broker", check_broker)
    app.state.celery_broker_url = settings.celery_broker_url
{%- endif %}
    app.state.health_checks = health_checks

    install_error_handlers(app, show_detail=settings.environment == "development")
{%- if 'cookie' in cookiecutter | features %}
    # Innermost: its 403 gets the request id, the security headers and CORS like any answer.
    app.add_middleware(CSRFMiddleware)
{%- endif %}
{%- if 'prometheus' in cookiecutter | features %}
    request_metrics = install_metrics(app, token=settings.metrics_token)
{%- endif %}
    # Added last = outermost: CORS (only when origins are allowed), then request id, security
    # headers, access log and last-resort 500.
    app.add_middleware(
        RequestContextMiddleware,
        hsts=settings.is_production,
        show_error_detail=settings.environment == "development",
{%- if 'prometheus' in cookiecutter | features %}
        observers=[request_metrics.observe],
{%- endif %}
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )

    api = APIRouter(prefix=API_PREFIX)
{%- if 'auth' in cookiecutter | features %}
    api.include_router(auth_router)
{%- if 'email' in cookiecutter | features %}
    api.include_router(account_router)
{%- endif %}
    api.include_router(users_router)
{%- endif %}
{%- if 'items' in cookiecutter | features %}
    api.include_router(items_router)
{%- endif %}
{%- if 'jobs' in cookiecutter | features %}
    api.include_router(jobs_router)
{%- endif %}
    app.include_router(health_router)
    app.include_router(api)
{%- if 'cookie' in cookiecutter | features %}
    document_csrf(app)
{%- endif %}
    return app


app = create_app()
