"""Admission to the live channel where the service has no users: everyone, to the public events."""

from __future__ import annotations

from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.live.hub import Admission


async def accept(websocket: WebSocket, _: Settings) -> Admission | None:
    """Accept every socket (None, as other handshakes answer for a refusal, never happens)."""
    await websocket.accept()
    return Admission(owner=None)
