"""Who a socket belongs to, checked when it opens and for as long as it stays open.

`live/{{ 'cookie' if 'cookie' in cookiecutter | features else 'bearer' }}.py` reads the token from the handshake. A bad, missing or expired token
closes the socket with 4401. An open socket is closed (4401) when its token expires, and when its
user is deactivated or deleted: every process checks the users of its sockets once per
AUTH_STATUS_CACHE_SECONDS, the bound the HTTP API keeps too.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI
from sqlalchemy import select
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.security import InvalidTokenError, decode_token
from {{ cookiecutter.package_name }}.live.hub import UNAUTHORIZED, Admission, Connection, Hub
from {{ cookiecutter.package_name }}.users.models import User

logger = structlog.get_logger(__name__)

# The sweep runs at least this often, even when AUTH_STATUS_CACHE_SECONDS is 0 (read every time).
MIN_SWEEP_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Credentials:
    """The user a socket acts for, and when their access token expires."""

    user_id: uuid.UUID
    expires_at: datetime

    async def watch_expiry(self, connection: Connection) -> None:
        """Close the socket when the token expires: the client reconnects with a fresh one."""
        await asyncio.sleep(max(0.0, (self.expires_at - datetime.now(UTC)).total_seconds()))
        connection.close(UNAUTHORIZED, "token expired")


async def verify(websocket: WebSocket, settings: Settings, token: str | None) -> Admission | None:
    """Admit an accepted socket on its token; None (and the socket closed) if it is bad."""
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
    hub: Hub = websocket.app.state.live_hub
    hub.keep_running("sweep", lambda: sweep(websocket.app, hub, settings))
    credentials = Credentials(user_id=user_id, expires_at=claims.exp)
    return Admission(owner=user_id, watchers=[credentials.watch_expiry])


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
