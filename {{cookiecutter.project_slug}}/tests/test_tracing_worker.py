"""Tracing in the worker: a prefork pool's processes start their own, other pools the worker's."""

from __future__ import annotations

import pytest

from tests.fixtures.tracing import run_python

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
    # Never called: no task runs, so no span is exported.
    finished = run_python(
        WORKER_START, pool, env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    )
    assert finished.stdout.split() == [in_the_worker, in_a_pool_process]
