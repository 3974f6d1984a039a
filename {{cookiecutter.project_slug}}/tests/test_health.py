{%- set f = cookiecutter | features -%}
{%- set checks = ['database'] * ('db' in f) + ['redis'] * ('redis' in f) + ['broker'] * ('celery' in f) + ['storage'] * ('storage' in f) -%}
{%- set deps = checks | length > 0 -%}
"""Liveness, readiness with real dependencies, and readiness when they are down."""

from __future__ import annotations

import asyncio
{%- if deps %}
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import AsyncClient
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.health import HealthChecks
from {{ cookiecutter.package_name }}.main import create_app
from tests.fixtures.client import client_for
{%- else %}

from httpx import AsyncClient
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.health import HealthChecks
{%- endif %}


async def test_live(client: AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_every_dependency_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    dependencies: list[str] = {{ checks | tojson }}
    assert set(dependencies) <= set(body["checks"])
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["latency_ms"] >= 0
        assert check["error"] is None


{% if deps -%}
@pytest.fixture
async def broken_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app pointed at dependencies that refuse connections."""
    broken = settings.model_copy(
        update={
{%- if 'sqlite' in cookiecutter | features %}
            # A folder, not a file: SQLite cannot open it.
            "database_url": "sqlite+aiosqlite:////",
{%- elif 'db' in cookiecutter | features %}
            "database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
            "redis_url": "redis://127.0.0.1:1/0",
{%- endif %}
{%- if 'celery' in cookiecutter | features %}
            "celery_broker_url": "{{ 'amqp://guest:guest@127.0.0.1:1//' if 'broker_rabbitmq' in cookiecutter | features else 'redis://127.0.0.1:1/0' }}",
{%- endif %}
{%- if 'storage' in f %}
            "s3_endpoint_url": "http://127.0.0.1:1",
{%- endif %}
        }
    )
    app = create_app(broken)
    async with LifespanManager(app):
        yield app


async def test_ready_is_503_when_dependencies_are_down(broken_app: FastAPI) -> None:
    async with client_for(broken_app, "http://t") as client:
        response = await asyncio.wait_for(client.get("/health/ready"), timeout=5)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    for name in broken_app.state.health_checks.names:
        assert body["checks"][name]["status"] == "fail"
        # Each refusal is reported as it happens, not after HEALTH_CHECK_TIMEOUT.
        assert body["checks"][name]["error"]
        assert "timed out" not in body["checks"][name]["error"]
{%- if 'auth' in cookiecutter | features %}


async def test_database_down_answers_503_json_not_500(broken_app: FastAPI) -> None:
    async with client_for(broken_app, "http://t") as client:
        response = await asyncio.wait_for(
            client.post(
                "/api/v1/auth/signup", json={"email": "a@example.com", "password": "long-enough"}
            ),
            timeout=10,
        )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
{%- elif 'items' in cookiecutter | features %}


async def test_database_down_answers_503_json_not_500(broken_app: FastAPI) -> None:
    async with client_for(broken_app, "http://t") as client:
        response = await asyncio.wait_for(
            client.post("/api/v1/items", json={"title": "lost"}), timeout=10
        )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
{%- endif %}


{% endif -%}
async def test_registry_reports_timeouts_and_errors() -> None:
    async def slow(_: State) -> None:
        await asyncio.sleep(5)

    async def broken(_: State) -> None:
        raise RuntimeError("boom")

    async def fine(_: State) -> None:
        return None

    checks = HealthChecks(timeout=0.05)
    checks.register("slow", slow)
    checks.register("broken", broken)
    checks.register("fine", fine)
    result = await checks.run(State())
    assert result.status == "fail"
    assert result.checks["slow"].error == "timed out after 0.05s"
    assert result.checks["broken"].error == "RuntimeError: boom"
    assert result.checks["fine"].status == "ok"
    assert checks.names == ["slow", "broken", "fine"]
