"""Spans leave over OTLP/HTTP: a receiver in the test decodes what a fresh process exports.

The receiver stands in for a collector (Jaeger, Tempo, an OpenTelemetry Collector): it accepts
`POST /v1/traces` with a protobuf `ExportTraceServiceRequest`, as they do.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.fixtures.tracing import run_python


class OtlpReceiver:
    """An OTLP/HTTP trace endpoint on a free local port that keeps every request it decodes."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                protobuf = self.headers["Content-Type"] == "application/x-protobuf"
                if self.path != "/v1/traces" or not protobuf:
                    self.send_response(404)
                    self.end_headers()
                    return
                received.append(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    receiving = OtlpReceiver()
    receiving.thread.start()
    try:
        yield receiving
    finally:
        receiving.server.shutdown()
        receiving.server.server_close()


# A fresh process, configured by the environment alone, as a deployed service is: two requests,
# then the app stops (its lifespan sends the spans still queued).
SERVE_TWO_REQUESTS = """
import asyncio
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from {{ cookiecutter.package_name }}.main import app

async def main() -> None:
    async with LifespanManager(app), AsyncClient(
        transport=ASGITransport(app=app), base_url="http://service"
    ) as client:
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/health/live")).status_code == 200

asyncio.run(main())
"""


def test_spans_reach_an_otlp_endpoint(receiver: OtlpReceiver) -> None:
    environment = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_SERVICE_NAME": "traced-in-a-test",
    }
    run_python(SERVE_TWO_REQUESTS, env=environment)

    assert receiver.requests, "nothing was exported"
    resource_spans = [rs for request in receiver.requests for rs in request.resource_spans]
    names = {
        attribute.key: attribute.value.string_value
        for rs in resource_spans
        for attribute in rs.resource.attributes
    }
    assert names["service.name"] == "traced-in-a-test"
    spans = [span for rs in resource_spans for scope in rs.scope_spans for span in scope.spans]
    servers = [span for span in spans if span.kind == span.SPAN_KIND_SERVER]
    # The probe is left out; the other request arrived, with the route it matched.
    assert [span.name for span in servers] == ["GET /openapi.json"]
    paths = {
        attribute.value.string_value
        for span in spans
        for attribute in span.attributes
        if attribute.key == "url.path"
    }
    assert paths == {"/openapi.json"}
    assert len(servers[0].trace_id) == 16
