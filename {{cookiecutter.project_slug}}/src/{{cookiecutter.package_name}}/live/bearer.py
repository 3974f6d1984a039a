"""The access token of a socket, for bearer authentication.

A browser cannot set headers on a WebSocket, so the token comes in the `Sec-WebSocket-Protocol`
header (the client offers the protocols `bearer` and the token; the server answers `bearer`), or
in the first message, `{"type": "auth", "token": "..."}`. Other clients may also send
`Authorization: Bearer <token>`. Never in the query string, which access logs keep.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.live.auth import verify
from {{ cookiecutter.package_name }}.live.hub import Admission

BEARER_PROTOCOL = "bearer"


async def accept(websocket: WebSocket, settings: Settings) -> Admission | None:
    """Accept the socket and read its token; None if the socket was closed."""
    offered = websocket.scope.get("subprotocols") or []
    if len(offered) == 2 and offered[0] == BEARER_PROTOCOL:  # the protocol, then the token
        await websocket.accept(subprotocol=BEARER_PROTOCOL)
        return await verify(websocket, settings, offered[1])
    await websocket.accept()
    scheme, _, header_token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return await verify(websocket, settings, header_token)
    try:
        first: Any = orjson.loads(
            await asyncio.wait_for(websocket.receive_text(), settings.ws_auth_timeout_seconds)
        )
    except (TimeoutError, ValueError, KeyError, RuntimeError):
        first = None
    token = first.get("token") if isinstance(first, dict) and first.get("type") == "auth" else None
    return await verify(websocket, settings, token if isinstance(token, str) else None)
