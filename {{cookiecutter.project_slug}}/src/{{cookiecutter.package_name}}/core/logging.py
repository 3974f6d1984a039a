"""structlog setup: JSON lines in production, a readable console in development.

Every line carries the request id through `structlog.contextvars`. Standard-library loggers
(uvicorn{% if 'db' in cookiecutter | features %}, SQLAlchemy, Alembic{% endif %}{% if 'celery' in cookiecutter | features %}, Celery{% endif %}) go through the same processors, so the output has one format.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import Processor

from {{ cookiecutter.package_name }}.core.config import Settings

_OWNED = "_{{ cookiecutter.package_name }}_handler"


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the root logger. Safe to call more than once."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    # Only the formatter differs between modes: loggers cache the chain above on first use, so a
    # process (a test run) that switches to production after logging still renders tracebacks.
    rendering: list[Processor]
    if settings.environment == "production":
        rendering = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        rendering = [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
    )
    handler = logging.StreamHandler(sys.stderr)
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
