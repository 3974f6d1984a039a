"""Production log lines: one JSON object per line, written without the standard library."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.logging import configure_logging


@pytest.fixture
def production_logging(settings: Settings, capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    # After capsys: the standard library's handler holds the stderr it finds here.
    configure_logging(settings.model_copy(update={"environment": "production"}))
    try:
        yield
    finally:
        configure_logging(settings)


@pytest.fixture
def log_records() -> Iterator[list[logging.LogRecord]]:
    """Every standard-library LogRecord made while the test runs."""
    made: list[logging.LogRecord] = []
    default = logging.getLogRecordFactory()

    def counting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = default(*args, **kwargs)
        made.append(record)
        return record

    logging.setLogRecordFactory(counting)
    yield made
    logging.setLogRecordFactory(default)


@pytest.mark.usefixtures("production_logging")
def test_production_lines_are_json_written_straight_to_stderr(
    capsys: pytest.CaptureFixture[str], log_records: list[logging.LogRecord]
) -> None:
    # A logger never used before, so it takes the production configuration on first use.
    logger = structlog.get_logger(f"{{ cookiecutter.package_name }}.test_{uuid.uuid4().hex}")
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        logger.info("request", status=200, path="/health/live")
        try:
            raise RuntimeError("two\nlines")
        except RuntimeError:
            logger.exception("unhandled_exception")
        logger.debug("hidden")  # below LOG_LEVEL=INFO
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [line for line in capsys.readouterr().err.splitlines() if line[:1] == "{"]
    assert len(lines) == 2, lines
    request, failure = (json.loads(line) for line in lines)
    assert request["event"] == "request"
    assert request["level"] == "info"
    assert request["request_id"] == "req-1"
    assert request["status"] == 200
    assert request["logger"].startswith("{{ cookiecutter.package_name }}.test_")
    assert request["timestamp"].endswith("Z")
    assert failure["level"] == "error"
    assert "RuntimeError: two\nlines" in failure["exception"]
    assert log_records == [], "the service's own lines make no LogRecord in production"


@pytest.mark.usefixtures("production_logging")
def test_standard_library_lines_have_the_same_shape(capsys: pytest.CaptureFixture[str]) -> None:
    # A fresh name: other tests start libraries that reconfigure (or disable) their own loggers.
    name = f"some_library.{uuid.uuid4().hex}"
    logging.getLogger(name).warning("from %s", "a library")
    # Only JSON lines: the garbage collector may print a ResourceWarning of another test here.
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line[:1] == "{"]
    (record,) = lines
    assert record["event"] == "from a library"
    assert record["level"] == "warning"
    assert record["logger"] == name
