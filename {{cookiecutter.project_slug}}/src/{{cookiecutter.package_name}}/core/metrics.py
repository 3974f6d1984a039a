"""Prometheus metrics on `/metrics`, recorded with prometheus_client.

Requests are counted and timed per route template (`/api/v1/items/{item_id}`), never per raw
path, and every path that matches no route shares the one label `none`: a scanner probing random
URLs cannot create new series. The names and labels are prometheus-fastapi-instrumentator's
(`http_requests_total{handler,method,status}`, `http_request_duration_seconds{handler,method}`),
so dashboards made for it work here. The instrumentator itself is not used: it matches every
request against the routes a second time, which cost about a fifth of `/health/live`'s
throughput in the template's benchmark, while `route_template` reads the match Starlette made.

Several uvicorn workers (WEB_CONCURRENCY > 1) each count only their own requests. Point
PROMETHEUS_MULTIPROC_DIR at an empty directory that is wiped at every start (compose.prod.yaml
uses the container's /tmp tmpfs) and `/metrics` adds up the files every worker writes there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.middleware import route_template

METRICS_PATH = "/metrics"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_HANDLER = "none"
# Seconds. Most answers of a JSON API land in the first few buckets; the tail ones show trouble.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """The request counter and latency histogram of one app, in its own registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total",
            "Requests answered, by route template, method and status.",
            ["handler", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer a request, by route template and method.",
            ["handler", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )


class MetricsMiddleware:
    """Counts and times every HTTP request except the scrapes of `/metrics` itself."""

    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            handler = route_template(scope) or UNMATCHED_HANDLER
            if handler != METRICS_PATH:
                method = scope["method"]
                self.metrics.requests.labels(handler, method, str(status)).inc()
                self.metrics.latency.labels(handler, method).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI) -> CollectorRegistry:
    """Count and time every request of `app` and serve the metrics on `/metrics`.

    Each app gets its own registry, so two apps in one process (tests) never share counters.
    """
    if multiprocess_dir := os.environ.get(MULTIPROCESS_ENV):
        # prometheus_client writes a file per process there; it does not create the directory.
        Path(multiprocess_dir).mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    app.add_middleware(MetricsMiddleware, metrics=RequestMetrics(registry))

    # A plain `def`: Starlette runs it in a thread, so reading every worker's files never blocks
    # the event loop.
    def serve_metrics(request: Request) -> Response:
        source = registry
        if os.environ.get(MULTIPROCESS_ENV):
            source = CollectorRegistry()
            multiprocess.MultiProcessCollector(source)  # type: ignore[no-untyped-call]
        return Response(generate_latest(source), media_type=CONTENT_TYPE_LATEST)

    app.add_route(METRICS_PATH, serve_metrics, methods=["GET"], include_in_schema=False)
    return registry
