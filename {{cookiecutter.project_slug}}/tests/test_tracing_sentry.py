"""Sentry and tracing together: an error's Sentry event names the trace it happened in."""

from __future__ import annotations

from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app
from tests.fixtures.client import client_for
from tests.fixtures.sentry import SentrySink
from tests.fixtures.tracing import hex_ids


async def test_an_error_event_carries_the_trace_id(
    spans: InMemorySpanExporter, settings: Settings, sentry_sink: SentrySink
) -> None:
    app = create_app(settings.model_copy(update={"sentry_dsn": sentry_sink.dsn}))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("traced failure")

    async with LifespanManager(app), client_for(app) as client:
        assert (await client.get("/boom")).status_code == 500

    (server,) = [span for span in spans.get_finished_spans() if span.kind is SpanKind.SERVER]
    (event,) = sentry_sink.wait_for_events(1)
    trace_id, _ = hex_ids(server)
    assert event["tags"]["otel.trace_id"] == trace_id
    # The span the error was reported in: one of this request's.
    assert event["tags"]["otel.span_id"] in {
        hex_ids(span)[1] for span in spans.get_finished_spans() if hex_ids(span)[0] == trace_id
    }
