"""One JSON shape for every error, and the exception classes that produce it.

    {"error": {"code": "not_found", "message": "...", "request_id": "...", "details": null}}

Domain packages subclass `AppError` (see `items/exceptions.py`); routes declare what they can
answer with `error_responses(...)`, so the OpenAPI document lists the error model for each status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
{%- if 'redis' in cookiecutter | features %}
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
{%- endif %}
{%- if 'db' in cookiecutter | features %}
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
{%- endif %}
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

logger = structlog.get_logger(__name__)


class ErrorDetail(BaseModel):
    """One problem with the request, for example one invalid field."""

    loc: list[str | int]
    message: str
    type: str


class ErrorBody(BaseModel):
    """What went wrong: a stable machine `code`, a human `message` and the request id."""

    code: str
    message: str
    request_id: str | None
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


class AppError(Exception):
    """Base of the errors the service raises on purpose; handled into `ErrorResponse`."""

    status_code: int = 400
    code: str = "bad_request"
    message: str = "Bad request"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.headers = headers


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found"


class ConflictError(AppError):
    status_code = 409
    code = "conflict"
    message = "Conflict"


class UnauthorizedError(AppError):
    status_code = 401
    code = "unauthorized"
    message = "Not authenticated"
{%- if 'cookie' in cookiecutter | features %}
    # No WWW-Authenticate: the session travels in cookies, and a Bearer challenge would tell
    # clients to send an Authorization header that this API does not accept.
{%- else %}

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})
{%- endif %}


class ForbiddenError(AppError):
    status_code = 403
    code = "forbidden"
    message = "Forbidden"


class RateLimitedError(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many requests"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(
            message or f"Too many requests; retry in {retry_after} seconds",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class ServiceUnavailableError(AppError):
    status_code = 503
    code = "service_unavailable"
    message = "A backing service is unavailable; retry later"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can answer with."""
    return {
        code: {"model": ErrorResponse, "description": HTTPStatus(code).phrase}
        for code in status_codes
    }


def current_request_id() -> str | None:
    """The id the request-context middleware bound for this request, if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value is not None else None


def error_json(
    status_code: int,
    code: str,
    message: str,
    *,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build an error response in the service's one error shape."""
    body = ErrorResponse(
        error=ErrorBody(
            code=code, message=message, request_id=current_request_id(), details=details
        )
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=headers)


def internal_error_response(exc: BaseException, *, show_detail: bool) -> JSONResponse:
    """The 500 answer. The message names the exception only in development; never a trace."""
    message = f"{type(exc).__name__}: {exc}" if show_detail else "Internal server error"
    return error_json(500, "internal_error", message)


def service_unavailable_response(exc: BaseException) -> JSONResponse:
    """The 503 answer for a backing service that cannot be reached."""
    logger.warning("dependency_unavailable", error_type=type(exc).__name__, error=str(exc))
    return error_json(503, ServiceUnavailableError.code, ServiceUnavailableError.message)


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101 (registered for AppError only)
    return error_json(exc.status_code, exc.code, exc.message, headers=exc.headers)


def documented_methods(app: FastAPI, path: str) -> set[str]:
    """The methods the OpenAPI document lists for the path template that matches `path`.

    When several templates match (`/users/me` and `/users/{user_id}`), the one with the fewest
    parameters is the resource the client addressed.
    """
    table: list[tuple[re.Pattern[str], int, set[str]]] | None = getattr(
        app.state, "_methods_by_path", None
    )
    if table is None:
        table = [
            (compile_path(template)[0], template.count("{"), {m.upper() for m in operations})
            for template, operations in app.openapi().get("paths", {}).items()
        ]
        app.state._methods_by_path = table
    matches = [(params, methods) for regex, params, methods in table if regex.match(path)]
    if not matches:
        return set()
    fewest = min(params for params, _ in matches)
    return {m for params, methods in matches if params == fewest for m in methods}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    status_code = exc.status_code
    headers = dict(exc.headers or {})
    if status_code == 400:
        # A body that cannot be parsed (bad JSON, bad encoding) is an invalid request like any
        # other: answer 422, the status every route documents.
        status_code = 422
    if status_code == 405:
        # Starlette lists the methods of the first route that matched; list them all.
        route_path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
        if methods := documented_methods(request.app, route_path):
            headers["Allow"] = ", ".join(sorted(methods))
    code = _HTTP_CODES.get(status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status_code).phrase
    return error_json(status_code, code, message, headers=headers or None)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    details = [
        ErrorDetail(
            loc=[part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            message=str(error.get("msg", "")),
            type=str(error.get("type", "")),
        )
        for error in exc.errors()
    ]
    return error_json(422, "validation_error", "The request is not valid", details=details)


async def _connection_error(_: Request, exc: Exception) -> JSONResponse:
    return service_unavailable_response(exc)
{%- if 'db' in cookiecutter | features %}


# SQLSTATEs of a server that is down, starting or shutting down: class 08 (connection exception),
# 57P01-57P04 (admin/crash shutdown, "not yet accepting connections", database dropped) and 53300
# (too many connections). asyncpg raises these as plain DBAPIError while PostgreSQL restarts.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53300")


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")


def is_connection_error(exc: DBAPIError) -> bool:
    """True when a database error means "cannot reach the database", not "bad statement"."""
    return (
        exc.connection_invalidated
        or isinstance(exc, OperationalError | InterfaceError)
        or _sqlstate(exc).startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
    )


def is_data_error(exc: DBAPIError) -> bool:
    """True for SQLSTATE class 22 ("data exception"): the value, not the service, is at fault."""
    return isinstance(exc, DataError) or _sqlstate(exc).startswith("22")


def _database_error_handler(show_detail: bool) -> Any:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DBAPIError)  # noqa: S101
        if is_connection_error(exc):
            return service_unavailable_response(exc)
        if is_data_error(exc):
            # Input the schema let through but the database refuses (a NUL byte in text, ...).
            return error_json(422, "invalid_data", "The database cannot store a value you sent")
        logger.exception("database_error", exc_info=exc)
        return internal_error_response(exc, show_detail=show_detail)

    return handle
{%- endif %}


def install_error_handlers(app: FastAPI, *, show_detail: bool) -> None:
    """Register the handlers that turn every error into `ErrorResponse`.

    Unexpected exceptions (500) are answered by the request-context middleware, which sits
    outside this layer so its response still carries the request id and security headers.
    """
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Unreachable backing services answer 503, never 500: socket errors and timeouts.
    app.add_exception_handler(OSError, _connection_error)
    app.add_exception_handler(TimeoutError, _connection_error)
{%- if 'db' in cookiecutter | features %}
    app.add_exception_handler(PoolTimeoutError, _connection_error)
    app.add_exception_handler(DBAPIError, _database_error_handler(show_detail))
{%- endif %}
{%- if 'redis' in cookiecutter | features %}
    app.add_exception_handler(RedisConnectionError, _connection_error)
    app.add_exception_handler(RedisTimeoutError, _connection_error)
{%- endif %}
