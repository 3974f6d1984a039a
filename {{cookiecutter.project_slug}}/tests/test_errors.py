"""Every error answers the same JSON shape, with the request id, and never a stack trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.main import create_app
from tests.fixtures.client import client_for
from tests.helpers import assert_error_shape


async def test_unknown_route_is_404_json(client: AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")
    assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]


async def test_wrong_method_is_405_json(client: AsyncClient) -> None:
    response = await client.delete("/health/live")
    assert response.status_code == 405
    assert_error_shape(response.json(), "method_not_allowed")


async def test_validation_error_is_422_with_details(failing_client: AsyncClient) -> None:
    response = await failing_client.post("/echo", json={"name": 3})
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body, "validation_error")
    locations = [detail["loc"] for detail in body["error"]["details"]]
    assert ["body", "name"] in locations
    assert ["body", "count"] in locations
    assert all({"loc", "message", "type"} == set(d) for d in body["error"]["details"])


async def test_malformed_json_is_422(failing_client: AsyncClient) -> None:
    response = await failing_client.post(
        "/echo", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")


class Echo(BaseModel):
    name: str
    count: int


def failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.post("/echo", responses=error_responses(422))
    async def echo(body: Echo) -> Echo:
        return body

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/socket")
    async def socket() -> None:
        raise ConnectionRefusedError("connect call failed")

    @app.get("/timeout")
    async def timeout() -> None:
        raise TimeoutError

    return app


@pytest.fixture
async def failing_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = failing_app(settings)
    async with (
        LifespanManager(app),
        client_for(app, "http://t") as client,
    ):
        yield client


async def test_unhandled_exception_is_500_json_without_internals(
    failing_client: AsyncClient,
) -> None:
    response = await failing_client.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    body = response.json()
    assert_error_shape(body, "internal_error")
    assert body["error"]["request_id"] == "trace-500"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_development_names_the_exception(settings: Settings) -> None:
    app = failing_app(settings.model_copy(update={"environment": "development"}))
    async with client_for(app, "http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "RuntimeError: secret internals"
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/socket",
        "/timeout",
    ],
)
async def test_unreachable_dependency_is_503(failing_client: AsyncClient, path: str) -> None:
    response = await failing_client.get(path)
    assert response.status_code == 503
    assert_error_shape(response.json(), "service_unavailable")


{% if 'auth' in cookiecutter | features -%}
async def test_openapi_declares_the_error_model(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "ErrorResponse" in schema["components"]["schemas"]
    login = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    expected = {"200", "401", "403", "422", "503"}
{%- if 'cache' in cookiecutter | features %}
    expected.add("429")
{%- endif %}
    assert expected <= set(login)
    ref = login["401"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorResponse")
    assert login["422"]["content"]["application/json"]["schema"]["$ref"] == ref
{%- else -%}
async def test_openapi_declares_the_error_model(failing_client: AsyncClient) -> None:
    schema = (await failing_client.get("/openapi.json")).json()
    assert "ErrorResponse" in schema["components"]["schemas"]
    ref = schema["paths"]["/echo"]["post"]["responses"]["422"]["content"]["application/json"]
    assert ref["schema"]["$ref"].endswith("/ErrorResponse")
{%- endif %}


async def test_405_lists_every_method_of_the_path(client: AsyncClient) -> None:
    response = await client.request("PUT", "/health/live")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
{%- if 'items' in cookiecutter | features %}
    response = await client.request("PUT", "/api/v1/items/0b7c2f4e-6f1b-4f7c-9a51-3c1a1d2b9e10")
    assert response.headers["Allow"] == "DELETE, GET, PATCH"
{%- endif %}


async def test_undecodable_body_is_422(failing_client: AsyncClient) -> None:
    response = await failing_client.post(
        "/echo", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")
