"""The live channel with bearer tokens: how long a client has to send its token."""

from __future__ import annotations

from pydantic import Field

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class LiveBearerSettings(ServiceSettings):
    # When the token comes in the first message rather than the handshake.
    ws_auth_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
