"""Database errors answer as every error does: the shape of `test_errors.py`, with their status."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from httpx import AsyncClient
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app
from tests.fixtures.client import client_for
from tests.helpers import assert_error_shape


class StartingUp(Exception):
    """A driver error carrying the SQLSTATE of a server that does not accept connections yet."""

    sqlstate = "57P03"


@pytest.fixture
async def failing_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A client of an app whose routes raise what SQLAlchemy raises."""
    app = create_app(settings)

    @app.get("/db-down")
    async def db_down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionError("gone"))

    @app.get("/db-invalidated")
    async def db_invalidated() -> None:
        raise DBAPIError("SELECT 1", {}, Exception("reset"), connection_invalidated=True)

    @app.get("/db-starting")
    async def db_starting() -> None:
        # What asyncpg raises while PostgreSQL restarts: a plain DBAPIError with SQLSTATE 57P03.
        raise DBAPIError("SELECT 1", {}, StartingUp("not yet accepting connections"))

    @app.get("/db-data")
    async def db_data() -> None:
        raise DataError("INSERT", {}, Exception("invalid byte sequence"))

    @app.get("/db-bug")
    async def db_bug() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate"))

    async with (
        LifespanManager(app),
        client_for(app, "http://t") as client,
    ):
        yield client


@pytest.mark.parametrize("path", ["/db-down", "/db-invalidated", "/db-starting"])
async def test_unreachable_database_is_503(failing_client: AsyncClient, path: str) -> None:
    response = await failing_client.get(path)
    assert response.status_code == 503
    assert_error_shape(response.json(), "service_unavailable")


async def test_values_the_database_refuses_are_422(failing_client: AsyncClient) -> None:
    response = await failing_client.get("/db-data")
    assert response.status_code == 422
    assert_error_shape(response.json(), "invalid_data")


async def test_other_database_errors_are_500(failing_client: AsyncClient) -> None:
    response = await failing_client.get("/db-bug")
    assert response.status_code == 500
    assert_error_shape(response.json(), "internal_error")
