"""The worker's database runtime: one engine and event loop per process, closed at shutdown."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from {{ cookiecutter.package_name }}.worker.runtime import close_runtimes, current_runtime, run_with_session
from {{ cookiecutter.package_name }}.worker.signals import close_worker_runtime


def test_each_process_gets_its_own_database_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    first = current_runtime()
    assert current_runtime() is first
    assert run_with_session(lambda session: session.scalar(text("SELECT 1"))) == 1
    # After a fork the pid differs: the child must not reuse the parent's engine or loop.
    monkeypatch.setattr("os.getpid", lambda: first.pid + 1)
    second = current_runtime()
    assert second is not first
    assert second.engine is not first.engine
    monkeypatch.undo()
    first.close()
    second.close()
    close_runtimes()  # `second` is registered under "another pid": dropped, not closed twice
    third = current_runtime()
    assert third not in (first, second)
    close_worker_runtime()  # what the worker_shutdown signal runs
    assert third.loop.is_closed()
