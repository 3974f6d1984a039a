"""Sentry: unhandled errors reach it tagged with the request id, and nothing personal goes along.

Sentry is a third-party HTTP service, so a local HTTP server (tests/fixtures/sentry.py) stands in
for its ingest endpoint; the SDK sends to it exactly as it would to sentry.io.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import sentry_sdk
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.sentry import REQUEST_ID_TAG, init_sentry
from {{ cookiecutter.package_name }}.main import create_app
from tests.fixtures.sentry import SentrySink


@pytest.fixture
async def reporting_client(
    settings: Settings, sentry_sink: SentrySink
) -> AsyncIterator[AsyncClient]:
    """An app with Sentry on (pointed at the sink) and a route that fails."""
    app = create_app(settings.model_copy(update={"sentry_dsn": sentry_sink.dsn}))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


async def test_unhandled_exception_is_reported_with_the_request_id(
    reporting_client: AsyncClient, sentry_sink: SentrySink
) -> None:
    response = await reporting_client.get(
        "/boom", headers={"Authorization": "Bearer very-secret-token", "Cookie": "session=abc"}
    )

    # The client still gets the service's JSON 500.
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    request_id = response.headers["X-Request-ID"]
    assert response.json()["error"]["request_id"] == request_id

    events = sentry_sink.wait_for_events(1)
    assert len(events) == 1, "one event: the log line's copy is dropped as a repeat"
    event = events[0]
    assert event["tags"][REQUEST_ID_TAG] == request_id
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "secret internals"
    assert event["environment"] == "test"
    assert event["release"] == f"{{ cookiecutter.project_slug }}@{__version__}"
    # send_default_pii is off: no credentials and no client address leave the service.
    sent = json.dumps(event)
    assert "very-secret-token" not in sent
    assert "session=abc" not in sent
    assert "ip_address" not in event.get("user", {})


async def test_handled_errors_are_not_reported(
    reporting_client: AsyncClient, sentry_sink: SentrySink
) -> None:
    assert (await reporting_client.get("/no-such-page")).status_code == 404
    assert (await reporting_client.get("/boom")).status_code == 500
    events = sentry_sink.wait_for_events(1)
    assert [e["exception"]["values"][-1]["type"] for e in events] == ["RuntimeError"]


def test_settings_reach_the_sdk(settings: Settings, sentry_sink: SentrySink) -> None:
    started = init_sentry(
        settings.model_copy(
            update={
                "sentry_dsn": sentry_sink.dsn,
                "sentry_environment": "staging",
                "sentry_traces_sample_rate": 0.25,
            }
        )
    )
    assert started is True
    options = sentry_sdk.get_client().options
    assert options["environment"] == "staging"
    assert options["traces_sample_rate"] == 0.25
    assert not options.get("send_default_pii")


def test_empty_dsn_leaves_sentry_off(settings: Settings) -> None:
    assert init_sentry(settings.model_copy(update={"sentry_dsn": ""})) is False
    create_app(settings.model_copy(update={"sentry_dsn": ""}))
    assert not sentry_sdk.get_client().is_active()


def test_traces_sample_rate_is_a_share(settings: Settings) -> None:
    with pytest.raises(ValueError, match="sentry_traces_sample_rate"):
        Settings.model_validate({**settings.model_dump(), "sentry_traces_sample_rate": 2})
