"""What tracing costs: a bake with `use_opentelemetry=true`, off and at two sampling ratios.

The spans go over OTLP/HTTP to a sink in this process that reads each export and answers 200, so
the cost includes building, batching, encoding and sending them, not only recording them. The
three servers are the same traced bake, so the difference is the tracing alone (without an
endpoint the bake sets nothing up).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .load import Load, drive
from .results import TracingRow
from .servers import started, uvicorn_args, wait_ready

# (label, OTEL_TRACES_SAMPLER_ARG, or None for tracing off)
VARIANTS: tuple[tuple[str, str | None], ...] = (
    ("off (no endpoint)", None),
    ("parentbased_traceidratio 0.1", "0.1"),
    ("parentbased_traceidratio 1.0", "1.0"),
)
# Traced routes with database work; /health/live is not traced at all.
TRACING_SCENARIOS = ("list", "create")


class OtlpSink:
    """An OTLP/HTTP endpoint that takes every export and counts what it received."""

    def __init__(self) -> None:
        self.exports = 0
        self.bytes = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a collector answers

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.exports += 1
                sink.bytes += len(body)
                # An empty ExportTraceServiceResponse: everything was accepted.
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@contextlib.contextmanager
def otlp_sink() -> Iterator[OtlpSink]:
    sink = OtlpSink()
    thread = threading.Thread(target=sink.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.server.shutdown()
        sink.server.server_close()


def tracing_rows(
    venv: Path,
    project: Path,
    env: dict[str, str],
    package: str,
    loads: dict[str, Load],
    scenarios: Sequence[str],
    connections: int,
    dsn: str,
    logs: Path,
) -> list[TracingRow]:
    """A 1-worker server of the traced bake per variant (`loads` by label), all up at once and
    driven back to back like the service and its floor, so each sees the same background load."""
    sinks: dict[str, OtlpSink] = {}
    with contextlib.ExitStack() as running:
        for index, (label, ratio) in enumerate(VARIANTS):
            traced_env = dict(env)
            if ratio is not None:
                sink = sinks[label] = running.enter_context(otlp_sink())
                traced_env |= {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint,
                    "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                    "OTEL_TRACES_SAMPLER_ARG": ratio,
                }
            log = logs / f"tracing-{index}.log"
            args = uvicorn_args(venv, f"{package}.main:app", loads[label].port, 1)
            proc = running.enter_context(started(args, cwd=project, env=traced_env, log=log))
            wait_ready(loads[label].port, proc, log)
        measured = drive(loads, scenarios, [connections], dsn)
        exported = {label: (sink.exports, sink.bytes) for label, sink in sinks.items()}
    rows: list[TracingRow] = []
    for label, _ in VARIANTS:
        exports, sent = exported.get(label, (0, 0))
        for result in measured[label]:
            rows.append(
                {
                    "variant": label,
                    "scenario": result["scenario"],
                    "connections": result["connections"],
                    "rps": result["rps"],
                    "p50_ms": result["p50_ms"],
                    "p99_ms": result["p99_ms"],
                    "errors": result["errors"],
                    # The whole part's, by variant: the batches do not line up with the runs.
                    "exports": exports,
                    "exported_kib": round(sent / 1024, 1),
                }
            )
    return rows
