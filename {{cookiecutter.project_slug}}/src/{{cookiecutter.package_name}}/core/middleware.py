"""ASGI middleware: request id, security headers, access log and last-resort 500, in one layer.

Plain ASGI (not `BaseHTTPMiddleware`): no extra task per request, and contextvars bound here are
visible to the route, its dependencies and every log line they write. One layer rather than one
per concern: each layer wraps `send` once more, and the benchmark's profile showed those wrappers
costing more than the work they do.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.core.errors import internal_error_response
{%- if 'sentry' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.core.sentry import report_unhandled, tag_request_id
{%- endif %}

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and made of safe characters: it ends up in logs.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

# Told of every answered request: method, route template (None if nothing matched), status, seconds.
RequestObserver = Callable[[str, str | None, int, float], None]

access_logger = structlog.get_logger("{{ cookiecutter.package_name }}.access")
error_logger = structlog.get_logger("{{ cookiecutter.package_name }}.errors")


def choose_request_id(incoming: str | None) -> str:
    """The caller's `X-Request-ID` when it is safe, else a new random id."""
    if incoming and _REQUEST_ID_RE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str | None:
    """The matched route as a template (`/api/v1/items/{item_id}`), or None when nothing matched.

    Built from the path and its parameters, because routers included in routers do not expose
    their full path the same way in every FastAPI version.
    """
    if scope.get("route") is None and scope.get("endpoint") is None:
        return None
    by_value = {str(value): name for name, value in (scope.get("path_params") or {}).items()}
    segments = [
        "{" + by_value[segment] + "}" if segment in by_value else segment
        for segment in scope["path"].split("/")
    ]
    return "/".join(segments)


class RequestContextMiddleware:
    """Binds a request id to the logging context, echoes it, and logs one line per request.

    `observers` get the same measurement as the access line (metrics), so no other middleware
    has to time the request or look up its route again.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts: bool = False,
        show_error_detail: bool = False,
        observers: Sequence[RequestObserver] = (),
    ) -> None:
        self.app = app
        self.show_error_detail = show_error_detail
        self.observers = tuple(observers)
        self.api_headers = security_headers(API_CSP, hsts=hsts)
        self.docs_headers = security_headers(DOCS_CSP, hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = choose_request_id(incoming)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
{%- if 'sentry' in cookiecutter | features %}
        tag_request_id(request_id)
{%- endif %}

        status_code = 500
        response_started = False
        started = time.perf_counter()
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        added = [(b"x-request-id", request_id.encode("latin-1"))]
        added += self.docs_headers if path in DOCS_PATHS else self.api_headers

        async def send_with_headers(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                message["headers"] = with_headers(message.get("headers", ()), added)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
{%- if 'sentry' in cookiecutter | features %}
            report_unhandled(exc)
{%- endif %}
            error_logger.exception("unhandled_exception", exc_info=exc)
            if response_started:
                raise
            response = internal_error_response(exc, show_detail=self.show_error_detail)
            await response(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            method, route = scope["method"], route_template(scope)
            access_logger.info(
                "request",
                method=method,
                path=scope["path"],
                route=route,
                status=status_code,
                duration_ms=round(seconds * 1000, 2),
                client=scope["client"][0] if scope.get("client") else None,
            )
            for observe in self.observers:
                observe(method, route, status_code, seconds)
            structlog.contextvars.clear_contextvars()


# Swagger UI and ReDoc load their scripts and styles from jsDelivr and run an inline bootstrap
# script, so the documentation pages get their own, looser policy. Everything else is JSON.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


def security_headers(csp: str, *, hsts: bool) -> list[tuple[bytes, bytes]]:
    """nosniff, referrer policy, CSP and framing for every response; HSTS only in production.

    Encoded once, when the app is built: a response only appends them.
    """
    headers = {
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "content-security-policy": csp,
        "cross-origin-opener-policy": "same-origin",
    }
    if hsts:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    return [(name.encode(), value.encode()) for name, value in headers.items()]


def with_headers(
    existing: Iterable[tuple[bytes, bytes]], added: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`existing` plus each of `added` whose name the response did not set itself."""
    headers = list(existing)
    present = {name.lower() for name, _ in headers}
    headers += [header for header in added if header[0] not in present]
    return headers
