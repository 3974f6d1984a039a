"""Request ids, access logs and security headers."""

from __future__ import annotations

import logging

import pytest
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.middleware import choose_request_id
from {{ cookiecutter.package_name }}.main import create_app


async def test_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123.DEF:9_x"})
    assert response.headers["X-Request-ID"] == "abc-123.DEF:9_x"


@pytest.mark.parametrize("incoming", ["", "a" * 65, "bad id", "<script>", "é"])
def test_unsafe_request_ids_are_replaced(incoming: str) -> None:
    chosen = choose_request_id(incoming)
    assert chosen != incoming
    assert len(chosen) == 32


async def test_request_id_is_generated_when_absent(client: AsyncClient) -> None:
    first = await client.get("/health/live")
    second = await client.get("/health/live")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_access_log_line_carries_request_id_route_and_status(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await client.get("/health/live", headers={"X-Request-ID": "log-me"})
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    access = [e for e in events if e.get("event") == "request"]
    assert access, events
    line = access[-1]
    assert line["request_id"] == "log-me"
    assert line["method"] == "GET"
    assert line["route"] == "/health/live"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0


async def test_security_headers(client: AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/openapi.json", 200), ("GET", "/no-such-page", 404), ("POST", "/health/live", 405)],
)
async def test_error_responses_carry_the_security_headers_too(
    client: AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Content-Security-Policy" in response.headers


async def test_docs_get_a_policy_that_lets_swagger_load(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "https://cdn.jsdelivr.net" in csp
    assert "script-src" in csp


async def test_hsts_only_in_production(settings: Settings) -> None:
    prod = settings.model_copy(update={"environment": "production"})
    app = create_app(prod)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="https://t") as client:
        response = await client.get("/health/live")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_cors_preflight_allows_configured_origin(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.example.com"]}))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        response = await client.options(
            "/api/v1/items",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "GET",
            },
        )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


async def test_access_log_names_the_route_template(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        with caplog.at_level(logging.INFO):
            await client.get("/things/42")
            await client.get("/no/such/page")
    lines = [
        r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "request"
    ]
    assert lines[-2]["route"] == "/things/{thing_id}"
    assert lines[-2]["status"] == 200
    assert lines[-1]["route"] is None
