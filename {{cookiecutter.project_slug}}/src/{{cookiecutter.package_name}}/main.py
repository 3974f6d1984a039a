"""The ASGI application: `create_app()` puts the service's parts together.

What each part adds (routers, lifespan, readiness checks, middleware) is declared where the part
lives, as a `Feature` (see `core/features/__init__.py`); `FEATURES` lists this service's parts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

{% for module in cookiecutter | app_features | sort -%}
import {{ cookiecutter.package_name }}.{{ module }}
{% endfor -%}
from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.core.errors import install_error_handlers
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.core.health import HealthChecks
from {{ cookiecutter.package_name }}.core.health import router as health_router
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.core.middleware import RequestContextMiddleware, RequestObserver

API_PREFIX = "/api/v1"

# In this order the parts start (and stop in reverse), report readiness, and have their routes
# included and documented.
FEATURES: Sequence[Feature] = [
{%- for module in cookiecutter | app_features %}
    {{ cookiecutter.package_name }}.{{ module }}.FEATURE,{{ "\n" if loop.last }}
{%- endfor -%}
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. Tests pass their own `settings`."""
    settings = settings or get_settings()
    configure_logging(settings)
    for feature in FEATURES:
        if feature.prepare:
            feature.prepare(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as started:
            for feature in FEATURES:
                if feature.lifespan:
                    await started.enter_async_context(feature.lifespan(app, settings))
            yield

    app = FastAPI(
        title=settings.project_name,
        version=__version__,
        description="{{ cookiecutter.description }}",
        root_path=settings.root_path,
        lifespan=lifespan,
    )

    app.state.settings = settings  # what `SettingsDep` hands to routes
    health_checks = HealthChecks(timeout=settings.health_check_timeout)
    for feature in FEATURES:
        for name, check in feature.health_checks.items():
            health_checks.register(name, check)
    app.state.health_checks = health_checks

    install_error_handlers(app, show_detail=settings.environment == "development")
    # Middleware the parts add sits inside the request-context middleware added below.
    observers: list[RequestObserver] = []
    for feature in FEATURES:
        if feature.install:
            observers += feature.install(app, settings) or ()
    # Added last = outermost: CORS (only when origins are allowed), then request id, security
    # headers, access log and last-resort 500.
    app.add_middleware(
        RequestContextMiddleware,
        hsts=settings.is_production,
        show_error_detail=settings.environment == "development",
        observers=observers,
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
    for feature in FEATURES:
        for router in feature.routers:
            api.include_router(router)
    app.include_router(health_router)
    app.include_router(api)
    return app


app = create_app()
