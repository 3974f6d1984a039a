"""`/api/v1/ws`: the live channel. After a `{"type": "ready"}` message the server sends events as
`{"type": "job" | "item", "data": {...}}`, and `{"type": "ping"}` every WS_HEARTBEAT_SECONDS."""

from __future__ import annotations

import uuid

import orjson
from fastapi import APIRouter, WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.live import {{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' if 'bearer' in cookiecutter | features else 'public' }} as handshake
from {{ cookiecutter.package_name }}.live.hub import GOING_AWAY, Connection, Hub

router = APIRouter(tags=["live"])

# Names this process to its clients, so they (and the tests) can tell two processes apart
# without learning anything about the host.
PROCESS_TAG = uuid.uuid4().hex[:12]


@router.websocket("/ws")
async def live_events(websocket: WebSocket) -> None:
    """Push the events of the caller's own data until either side closes the socket."""
    hub: Hub = websocket.app.state.live_hub
    settings: Settings = websocket.app.state.settings
    admission = await handshake.accept(websocket, settings)
    if admission is None:
        return
    if hub.closing:
        await websocket.close(GOING_AWAY, "server shutting down")
        return
    connection = Connection(
        websocket,
        admission.owner,
        queue_size=settings.ws_send_queue_size,
        send_timeout=settings.ws_send_timeout_seconds,
        heartbeat_seconds=settings.ws_heartbeat_seconds,
    )
    hub.add(connection)
    try:
        connection.offer(orjson.dumps({"type": "ready", "process": PROCESS_TAG}).decode())
        await connection.serve(admission.watchers)
    finally:
        hub.discard(connection)
