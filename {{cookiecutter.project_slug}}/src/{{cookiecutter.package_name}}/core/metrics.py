"""Prometheus metrics on `/metrics`, by prometheus-fastapi-instrumentator.

Requests are counted and timed per route template (`/api/v1/items/{item_id}`), never per raw
path, and every path that matches no route shares the one label `none`: a scanner probing random
URLs cannot create new series.

Several uvicorn workers (WEB_CONCURRENCY > 1) each count only their own requests. Point
PROMETHEUS_MULTIPROC_DIR at an empty directory that is wiped at every start (compose.prod.yaml
uses the container's /tmp tmpfs) and `/metrics` adds up the files every worker writes there.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_fastapi_instrumentator import Instrumentator

METRICS_PATH = "/metrics"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def install_metrics(app: FastAPI) -> CollectorRegistry:
    """Count and time every request of `app` and serve the metrics on `/metrics`.

    Each app gets its own registry, so two apps in one process (tests) never share counters.
    """
    if multiprocess_dir := os.environ.get(MULTIPROCESS_ENV):
        # The instrumentator refuses a directory that does not exist yet.
        Path(multiprocess_dir).mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry()
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=registry)
    instrumentator = Instrumentator(
        # Exact statuses: 401 and 404 mean different things, and there are only a few dozen.
        should_group_status_codes=False,
        should_group_untemplated=True,
        excluded_handlers=[f"^{METRICS_PATH}$"],
        registry=registry,
    )
    instrumentator.instrument(app).expose(app, endpoint=METRICS_PATH, include_in_schema=False)
    return registry
