"""Database work in a worker: an event loop and an engine per process and thread.

Tasks are synchronous functions; database work is a coroutine run on an event loop owned by the
worker process (and thread). Engines are never shared across a fork: a child process that finds
the runtime of another pid builds its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import (
    create_autocommit_session_factory,
    create_engine,
    create_session_factory,
)

T = TypeVar("T")
SessionWork = Callable[[AsyncSession], Awaitable[T]]  # what a task runs with a session


class WorkerRuntime:
    """An event loop and a database engine that belong to one process and thread."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.engine: AsyncEngine = create_engine(get_settings())
        self.sessions: async_sessionmaker[AsyncSession] = create_session_factory(self.engine)
        self.autocommit_sessions: async_sessionmaker[AsyncSession] = (
            create_autocommit_session_factory(self.engine)
        )

    def close(self) -> None:
        """Close the pooled connections, then the loop."""
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()


_runtimes: dict[int, WorkerRuntime] = {}  # by thread id
_runtimes_lock = threading.Lock()


def current_runtime() -> WorkerRuntime:
    """This thread's runtime, built on first use (and again after a fork)."""
    thread = threading.get_ident()
    with _runtimes_lock:
        runtime = _runtimes.get(thread)
        if runtime is None or runtime.pid != os.getpid():
            # A runtime inherited through fork holds the parent's sockets: drop it unclosed.
            runtime = _runtimes[thread] = WorkerRuntime()
    return runtime


def close_runtimes() -> None:
    """Dispose of every runtime this process built (on worker shutdown, and after tests)."""
    with _runtimes_lock:
        runtimes = list(_runtimes.values())
        _runtimes.clear()
    for runtime in runtimes:
        if runtime.pid == os.getpid():
            runtime.close()


def run_with_session(work: SessionWork[T], *, autocommit: bool = False) -> T:
    """Run `work(session)` to completion on this worker's loop, with a fresh session.

    `autocommit=True` is for work whose every statement stands alone (see `jobs.service.run_job`).
    """
    runtime = current_runtime()
    sessions = runtime.autocommit_sessions if autocommit else runtime.sessions

    async def call() -> T:
        async with sessions() as session:
            return await work(session)

    return runtime.loop.run_until_complete(call())
