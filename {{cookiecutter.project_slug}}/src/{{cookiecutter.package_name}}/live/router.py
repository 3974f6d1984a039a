"""`/api/v1/ws`: the live channel. After a `{"type": "ready"}` message the server sends events as
`{"type": "job" | "item", "data": {...}}`, and `{"type": "ping"}` every WS_HEARTBEAT_SECONDS."""

from __future__ import annotations

import uuid

import orjson
from fastapi import APIRouter, WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
{%- if 'auth' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.live.{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }} import accept
{%- endif %}
from {{ cookiecutter.package_name }}.live.hub import GOING_AWAY, Connection, Hub, Watcher

router = APIRouter(tags=["live"])

# Names this process to its clients, so they (and the tests) can tell two processes apart
# without learning anything about the host.
PROCESS_TAG = uuid.uuid4().hex[:12]


@router.websocket("/ws")
async def live_events(websocket: WebSocket) -> None:
    """Push the events of the caller's own data until either side closes the socket."""
    hub: Hub = websocket.app.state.live_hub
    settings: Settings = websocket.app.state.settings
{%- if 'auth' in cookiecutter | features %}
    credentials = await accept(websocket, settings)
    if credentials is None:
        return
    owner: uuid.UUID | None = credentials.user_id
    watchers: list[Watcher] = [credentials.watch_expiry]
{%- else %}
    await websocket.accept()
    owner: uuid.UUID | None = None  # no users: every client gets the (public) events
    watchers: list[Watcher] = []
{%- endif %}
    if hub.closing:
        await websocket.close(GOING_AWAY, "server shutting down")
        return
    connection = Connection(
        websocket,
        owner,
        queue_size=settings.ws_send_queue_size,
        send_timeout=settings.ws_send_timeout_seconds,
        heartbeat_seconds=settings.ws_heartbeat_seconds,
    )
    hub.add(connection)
    try:
        connection.offer(orjson.dumps({"type": "ready", "process": PROCESS_TAG}).decode())
        await connection.serve(watchers)
    finally:
        hub.discard(connection)
