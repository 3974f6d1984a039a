"""Tracing in the worker: a prefork pool's processes start their own, other pools the worker's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from {{ cookiecutter.package_name }}.core.tracing import ENDPOINT_VARIABLES

# A fresh process (the test process already traces): the worker's start-up signals, for a pool.
WORKER_START = """
import sys
from celery import signals
from opentelemetry import trace
import {{ cookiecutter.package_name }}.worker  # connects the handlers
class Worker:  # what worker_init is sent by, as far as the handler looks
    pool_cls = sys.argv[1]
signals.worker_init.send(sender=Worker())
print(type(trace.get_tracer_provider()).__name__)
signals.worker_process_init.send(sender=None)
print(type(trace.get_tracer_provider()).__name__)
"""


@pytest.mark.parametrize(
    ("pool", "in_the_worker", "in_a_pool_process"),
    [
        ("prefork", "ProxyTracerProvider", "TracerProvider"),
        ("solo", "TracerProvider", "TracerProvider"),
    ],
)
def test_the_process_that_runs_the_tasks_traces(
    pool: str, in_the_worker: str, in_a_pool_process: str
) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARIABLES}
    # Never called: no task runs, so no span is exported.
    environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"
    finished = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", WORKER_START, pool],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == [in_the_worker, in_a_pool_process]
