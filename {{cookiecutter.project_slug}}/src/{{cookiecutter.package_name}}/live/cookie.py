"""The access token of a socket, for cookie authentication.

The browser sends the access cookie with the handshake. A page on another site could make it do
so (cross-site WebSocket hijacking), so the handshake's `Origin` must be the service's own or one
of CORS_ORIGINS; any other is refused before the socket opens (HTTP 403). A client that sends no
`Origin` is not a browser, and cannot have been tricked by a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import structlog
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.live.auth import verify
from {{ cookiecutter.package_name }}.live.hub import Admission
from {{ cookiecutter.package_name }}.users.dependencies import ACCESS_COOKIE

logger = structlog.get_logger(__name__)


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """True for no `Origin`, the service's own origin, or one of CORS_ORIGINS."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in settings.cors_origins or "*" in settings.cors_origins:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


async def accept(websocket: WebSocket, settings: Settings) -> Admission | None:
    """Check the handshake and accept it; None if the socket was refused or closed."""
    if not origin_allowed(websocket, settings):
        logger.warning("ws_origin_refused", origin=websocket.headers.get("origin"))
        await websocket.close()  # before accepting: the handshake fails with 403
        return None
    await websocket.accept()
    return await verify(websocket, settings, websocket.cookies.get(ACCESS_COOKIE))
