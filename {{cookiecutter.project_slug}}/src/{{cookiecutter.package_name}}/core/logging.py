"""structlog setup: JSON lines in production, a readable console in development.

Every line carries the request id through `structlog.contextvars`. Standard-library loggers
(uvicorn{% if 'db' in cookiecutter | features %}, SQLAlchemy, Alembic{% endif %}{% if 'celery' in cookiecutter | features %}, Celery{% endif %}) go through the same processors, so the output has one format.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import orjson
import structlog
from structlog.typing import Processor

from {{ cookiecutter.package_name }}.core.config import Settings
{%- if 'opentelemetry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.tracing import add_trace_ids
{%- endif %}

_OWNED = "_{{ cookiecutter.package_name }}_handler"


def _stderr() -> TextIO:
    """`sys.stderr`, looked up at every line rather than once: pytest swaps it per test.

    A task runner that redirects output may replace it with a text-only proxy that logs what it
    is given; lines then go to the process's real stderr instead of being logged twice.
    """
    stream = sys.stderr if hasattr(sys.stderr, "buffer") else sys.__stderr__
    if stream is None:
        raise RuntimeError("no stderr to write the logs to")
    return stream


class _StderrText:
    """What the standard library's handler writes to."""

    def write(self, text: str) -> None:
        _stderr().write(text)

    def flush(self) -> None:
        _stderr().flush()


class _StderrBytes:
    """What structlog's bytes logger writes to (production)."""

    def write(self, line: bytes) -> None:
        _stderr().buffer.write(line)

    def flush(self) -> None:
        _stderr().flush()
        _stderr().buffer.flush()


class _NamedBytesLogger(structlog.BytesLogger):
    """structlog's bytes logger, with the name `add_logger_name` reads."""

    def __init__(self, name: str) -> None:
        super().__init__(_StderrBytes())  # type: ignore[arg-type]
        self.name = name


def _named_bytes_logger(*args: Any) -> _NamedBytesLogger:
    return _NamedBytesLogger(str(args[0]) if args else "")


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the root logger. Safe to call more than once.

    In production the service's own lines (the access line on every request above all) skip the
    standard library: structlog renders them with orjson and writes the bytes to stderr, about a
    quarter of the cost of a LogRecord and a formatter. Elsewhere they go through the standard
    library, where pytest's `caplog` sees them and the console renderer colours them.
    """
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
{%- if 'opentelemetry' in cookiecutter | features %}
        add_trace_ids,
{%- endif %}
    ]
    rendering: list[Processor]
    if settings.environment == "production":
        structlog.configure(
            processors=[
                *shared,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(serializer=orjson.dumps),
            ],
            logger_factory=_named_bytes_logger,
            wrapper_class=structlog.make_filtering_bound_logger(settings.log_level),
            cache_logger_on_first_use=True,
        )
        # The standard library's formatter needs text, not bytes.
        rendering = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        structlog.configure(
            processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=True,
        )
        # Rich's highlighted tracebacks are for a person at a terminal; rendering one costs about
        # half a second, which tests, CI and piped output pay for nothing.
        at_terminal = sys.stderr.isatty()
        rendering = [
            structlog.dev.ConsoleRenderer(
                colors=at_terminal,
                exception_formatter=(
                    structlog.dev.default_exception_formatter
                    if at_terminal
                    else structlog.dev.plain_traceback
                ),
            )
        ]
    # The standard library's loggers (and ours, outside production) render the same way.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
    )
    handler = logging.StreamHandler(_StderrText())
    handler.setFormatter(formatter)

    # Replace only our own handler, so handlers others installed (pytest's caplog) survive.
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, _OWNED, False)]:
        root.removeHandler(existing)
    setattr(handler, _OWNED, True)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # The request-context middleware writes one access line per request; uvicorn's would repeat it.
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
