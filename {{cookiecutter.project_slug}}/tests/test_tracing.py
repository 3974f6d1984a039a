"""Tracing in the API: a request is one trace and its log lines carry its ids; probes and scrapes
are not traced; without an endpoint nothing is set up, and production says so once."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from asgi_lifespan import LifespanManager
from httpx import AsyncClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.tracing import current_ids
from {{ cookiecutter.package_name }}.main import create_app
from tests.fixtures.client import client_for
from tests.fixtures.tracing import ancestors, hex_ids, run_python


def logged(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, object]]:
    return [
        record.msg
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg.get("event") == event
    ]


async def test_a_request_is_one_trace_and_its_log_lines_carry_its_ids(
    spans: InMemorySpanExporter, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(settings)

    @app.get("/traced")
    async def traced() -> dict[str, str]:
        structlog.get_logger("tests.tracing").info("inside_the_route")
        return current_ids()

    async with LifespanManager(app), client_for(app) as client:
        response = await client.get("/traced")
    assert response.status_code == 200

    finished = spans.get_finished_spans()
    (server,) = [span for span in finished if span.kind is SpanKind.SERVER]
    assert server.name == "GET /traced"
    trace_id, span_id = hex_ids(server)
    # The route ran in a span of the same trace, below the request's.
    seen = response.json()
    assert seen["trace_id"] == trace_id
    (route_span,) = [span for span in finished if hex_ids(span)[1] == seen["span_id"]]
    assert server in ancestors(route_span, finished)
    # The access line is written around the route, in the request's own span.
    (access,) = [line for line in logged(caplog, "request") if line["path"] == "/traced"]
    assert (access["trace_id"], access["span_id"]) == (trace_id, span_id)
    (inside,) = logged(caplog, "inside_the_route")
    assert (inside["trace_id"], inside["span_id"]) == (trace_id, seen["span_id"])


async def test_probes_and_scrapes_are_not_traced(
    spans: InMemorySpanExporter, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for path in ("/health/live", "/health/ready", "/metrics"):
        await client.get(path)
    # Not even the readiness checks' queries and pings.
    assert spans.get_finished_spans() == ()
    probes = logged(caplog, "request")
    assert len(probes) == 3
    assert [line for line in probes if "trace_id" in line] == []
    # Tracing is on all along: another request is traced.
    assert (await client.get("/openapi.json")).status_code == 200
    assert [span.name for span in spans.get_finished_spans()] == ["GET /openapi.json"]


# A fresh process (the test process already traces): build the production app, without an endpoint.
START_IN_PRODUCTION = """
from opentelemetry import trace
from {{ cookiecutter.package_name }}.main import create_app
from tests.helpers import production
create_app(production())
print(type(trace.get_tracer_provider()).__name__)
"""


def test_without_an_endpoint_nothing_is_set_up_and_production_says_so_once() -> None:
    finished = run_python(START_IN_PRODUCTION)
    # No tracer provider was installed: FastAPI and the instrumentations stay off.
    assert finished.stdout.strip() == "ProxyTracerProvider"
    lines = [json.loads(line) for line in finished.stderr.splitlines() if line[:1] == "{"]
    off = [line for line in lines if line["event"] == "tracing_off"]
    assert len(off) == 1, finished.stderr
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in str(off[0]["reason"])
