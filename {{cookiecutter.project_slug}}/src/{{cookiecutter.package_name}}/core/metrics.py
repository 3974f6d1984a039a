"""Prometheus metrics on `/metrics`, recorded with prometheus_client.

Requests are counted and timed per route template (`/api/v1/items/{item_id}`), never per raw
path, and every path that matches no route shares the one label `none`: a scanner probing random
URLs cannot create new series. The names and labels are prometheus-fastapi-instrumentator's
(`http_requests_total{handler,method,status}`, `http_request_duration_seconds{handler,method}`),
so dashboards made for it work here. The instrumentator itself is not used: it matches every
request against the routes a second time, which cost about a fifth of `/health/live`'s
throughput in the template's benchmark, while the access-log middleware, which already reads the
route Starlette matched, hands its figures to `RequestMetrics.observe`.

With METRICS_TOKEN set, a scrape must carry `Authorization: Bearer <METRICS_TOKEN>`: 401 without
it, 403 with another token. Compose behind Traefik or nginx keeps /metrics off the internet at the
proxy; the Kubernetes ingress, Heroku and Render do not, so their manifests set the token.

Several uvicorn workers (WEB_CONCURRENCY > 1) each count only their own requests. Point
PROMETHEUS_MULTIPROC_DIR at an empty directory that is wiped at every start (compose.prod.yaml
uses the container's /tmp tmpfs) and `/metrics` adds up the files every worker writes there.
"""

from __future__ import annotations

import hmac
import os
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

from {{ cookiecutter.package_name }}.core.errors import error_json

METRICS_PATH = "/metrics"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_HANDLER = "none"
# Seconds. Most answers of a JSON API land in the first few buckets; the tail ones show trouble.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """The request counter and latency histogram of one app, in its own registry.

    `observe` is a `RequestObserver`: the request-context middleware, which already times every
    request and finds its route for the access line, hands it the same figures.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
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

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        """Count and time one answered request; the scrapes of `/metrics` itself are left out."""
        handler = route or UNMATCHED_HANDLER
        if handler == METRICS_PATH:
            return
        self.requests.labels(handler, method, str(status)).inc()
        self.latency.labels(handler, method).observe(seconds)


def refuse_scrape(authorization: str | None, token: str) -> Response | None:
    """The 401 or 403 answer to a scrape that does not carry `Bearer <token>`; None lets it in."""
    if not token:
        return None
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return error_json(
            401,
            "unauthorized",
            "Scraping /metrics needs Authorization: Bearer <METRICS_TOKEN>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Constant time: the comparison must not tell how many leading characters were right.
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        return error_json(403, "forbidden", "This token may not scrape /metrics")
    return None


def install_metrics(app: FastAPI, *, token: str = "") -> RequestMetrics:
    """Serve the metrics of `app` on `/metrics`; give the returned `observe` to the middleware.

    Each app gets its own registry, so two apps in one process (tests) never share counters.
    A non-empty `token` (METRICS_TOKEN) refuses every scrape that does not present it.
    """
    if multiprocess_dir := os.environ.get(MULTIPROCESS_ENV):
        # prometheus_client writes a file per process there; it does not create the directory.
        Path(multiprocess_dir).mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    metrics = RequestMetrics(registry)

    # A plain `def`: Starlette runs it in a thread, so reading every worker's files never blocks
    # the event loop.
    def serve_metrics(request: Request) -> Response:
        if refused := refuse_scrape(request.headers.get("authorization"), token):
            return refused
        source = registry
        if os.environ.get(MULTIPROCESS_ENV):
            source = CollectorRegistry()
            multiprocess.MultiProcessCollector(source)  # type: ignore[no-untyped-call]
        return Response(generate_latest(source), media_type=CONTENT_TYPE_LATEST)

    app.add_route(METRICS_PATH, serve_metrics, methods=["GET"], include_in_schema=False)
    return metrics
