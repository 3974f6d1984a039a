{%- set cookie = 'cookie' in cookiecutter | features -%}
"""Who a socket belongs to, checked when it opens and for as long as it stays open.

{% if cookie -%}
The browser sends the access cookie with the handshake. A cross-site page could make it do so
(cross-site WebSocket hijacking), so the handshake's `Origin` must be the service's own or one
of CORS_ORIGINS; any other is refused before the socket opens (HTTP 403).
{%- else -%}
The access token comes in the `Sec-WebSocket-Protocol` header (the client offers the protocols
`bearer` and the token; the server answers `bearer`), or in the first message,
`{"type": "auth", "token": "..."}`. Never in the query string, which access logs keep.
{%- endif %}

A bad, missing or expired token closes the socket with 4401. An open socket is closed (4401)
when its token expires, and when its user is deactivated or deleted: every process checks the
users of its sockets once per AUTH_STATUS_CACHE_SECONDS, the bound the HTTP API keeps too.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
{%- if cookie %}
from urllib.parse import urlsplit
{%- else %}
from typing import Any
{%- endif %}

{% if not cookie %}import orjson
{% endif %}import structlog
from fastapi import FastAPI
from sqlalchemy import select
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.security import InvalidTokenError, decode_token
from {{ cookiecutter.package_name }}.live.hub import UNAUTHORIZED, Connection, Hub
{%- if cookie %}
from {{ cookiecutter.package_name }}.users.dependencies import ACCESS_COOKIE
{%- endif %}
from {{ cookiecutter.package_name }}.users.models import User

logger = structlog.get_logger(__name__)

# The sweep runs at least this often, even when AUTH_STATUS_CACHE_SECONDS is 0 (read every time).
MIN_SWEEP_SECONDS = 0.5
{%- if not cookie %}
BEARER_PROTOCOL = "bearer"
{%- endif %}


@dataclass(frozen=True, slots=True)
class Credentials:
    """The user a socket acts for, and when their access token expires."""

    user_id: uuid.UUID
    expires_at: datetime

    async def watch_expiry(self, connection: Connection) -> None:
        """Close the socket when the token expires: the client reconnects with a fresh one."""
        await asyncio.sleep(max(0.0, (self.expires_at - datetime.now(UTC)).total_seconds()))
        connection.close(UNAUTHORIZED, "token expired")
{%- if cookie %}


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """True for no `Origin` (not a browser), the service's own origin, or one of CORS_ORIGINS."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in settings.cors_origins or "*" in settings.cors_origins:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


async def accept(websocket: WebSocket, settings: Settings) -> Credentials | None:
    """Check the handshake and accept it; None if the socket was refused or closed."""
    if not origin_allowed(websocket, settings):
        logger.warning("ws_origin_refused", origin=websocket.headers.get("origin"))
        await websocket.close()  # before accepting: the handshake fails with 403
        return None
    await websocket.accept()
    return await _verify(websocket, settings, websocket.cookies.get(ACCESS_COOKIE))
{%- else %}


async def accept(websocket: WebSocket, settings: Settings) -> Credentials | None:
    """Accept the socket and read its token; None if the socket was closed."""
    offered = websocket.scope.get("subprotocols") or []
    if len(offered) == 2 and offered[0] == BEARER_PROTOCOL:  # the protocol, then the token
        await websocket.accept(subprotocol=BEARER_PROTOCOL)
        return await _verify(websocket, settings, offered[1])
    await websocket.accept()
    try:
        first: Any = orjson.loads(
            await asyncio.wait_for(websocket.receive_text(), settings.ws_auth_timeout_seconds)
        )
    except (TimeoutError, ValueError, KeyError, RuntimeError):
        first = None
    token = first.get("token") if isinstance(first, dict) and first.get("type") == "auth" else None
    return await _verify(websocket, settings, token if isinstance(token, str) else None)
{%- endif %}


async def _verify(
    websocket: WebSocket, settings: Settings, token: str | None
) -> Credentials | None:
    try:
        if not token:
            raise InvalidTokenError("no token")
        claims = decode_token(token, "access", secret_key=settings.secret_key)
        user_id = uuid.UUID(claims.sub)
    except (InvalidTokenError, ValueError):
        await websocket.close(UNAUTHORIZED, "invalid or expired token")
        return None
    if user_id not in await active_users(websocket.app, [user_id]):
        await websocket.close(UNAUTHORIZED, "inactive or unknown user")
        return None
    return Credentials(user_id=user_id, expires_at=claims.exp)


async def active_users(app: FastAPI, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these users exist and are active, in one query."""
    async with app.state.read_session_factory() as session:
        found = await session.scalars(
            select(User.id).where(User.id.in_(user_ids), User.is_active.is_(True))
        )
        return set(found)


async def sweep(app: FastAPI, hub: Hub, settings: Settings) -> None:
    """Close the sockets of users who are no longer active, once per AUTH_STATUS_CACHE_SECONDS.

    One query per process and round for all its sockets' users, however many sockets there are.
    """
    while True:
        await asyncio.sleep(max(MIN_SWEEP_SECONDS, settings.auth_status_cache_seconds))
        owners = hub.owners()
        if not owners:
            continue
        try:
            active = await active_users(app, owners)
        except Exception as exc:  # (the database is down: keep the sockets, try again)
            logger.warning("ws_sweep_failed", error=str(exc))
            continue
        for owner in set(owners) - active:
            hub.close_owner(owner, UNAUTHORIZED, "session ended")
