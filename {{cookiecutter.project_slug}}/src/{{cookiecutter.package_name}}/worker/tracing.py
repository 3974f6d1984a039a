"""Tracing in the worker and in beat: tasks join the trace of the request that enqueued them.

Celery's instrumentation puts the trace context in the headers of every message it publishes and
continues it when a task runs. The exporter sends from a thread, which does not survive a fork,
so a prefork pool's processes each start their own (`worker_process_init`); the other pools run
tasks in the worker's own process.
"""

from __future__ import annotations

from typing import Any

from celery import signals

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.tracing import start_tracing, tracing_is_off

PREFORK_POOLS = frozenset({"prefork", "processes", "celery.concurrency.prefork"})


def forks_its_pool(worker: Any) -> bool:
    """Whether the worker runs its tasks in forked processes (the default prefork pool).

    At `worker_init` the pool is still a name (or a class, from the command line).
    """
    pool = getattr(worker, "pool_cls", None) or "prefork"
    return str(getattr(pool, "__module__", pool)) in PREFORK_POOLS


@signals.worker_init.connect
def start_worker_tracing(sender: Any = None, **_: Any) -> None:
    """Trace the worker's own process, unless its pool forks (then only say if tracing is off)."""
    settings = get_settings()
    if forks_its_pool(sender):
        tracing_is_off(settings)
    else:
        start_tracing(settings)


@signals.worker_process_init.connect
def start_pool_process_tracing(**_: Any) -> None:
    """Trace the tasks of one prefork pool process (the worker already said if tracing is off)."""
    start_tracing(get_settings(), announce=False)


@signals.beat_init.connect
def start_beat_tracing(**_: Any) -> None:
    """Beat's publishes start the traces of the periodic tasks."""
    start_tracing(get_settings())
