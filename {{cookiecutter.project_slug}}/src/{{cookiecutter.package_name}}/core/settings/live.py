"""The live channel (`/api/v1/ws`): heartbeats, the send queue bound, and who may connect.

Browsers may open the socket from the origins in CORS_ORIGINS (the service's own origin always).
"""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class LiveSettings(ServiceSettings):
    # A `{"type": "ping"}` message this often: proxies see traffic, and a dead peer is found.
    ws_heartbeat_seconds: float = Field(default=20.0, gt=0, le=300)
    # Messages waiting for one client; a client that lets it fill up is dropped (close 1008).
    ws_send_queue_size: int = Field(default=64, ge=1, le=10_000)
    # A send that takes longer than this means the client stopped reading: it is dropped too.
    ws_send_timeout_seconds: float = Field(default=10.0, gt=0)
