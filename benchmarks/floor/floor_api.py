"""The HTTP floor: the same answers as the baked service, with nothing but Starlette and asyncpg.

No ORM, no middleware, no validation library, no dependency injection. Each route does only what
its answer needs: check the bearer token's signature, run one query, serialise with orjson. The
WebSocket route speaks the live channel's protocol (use_websockets) with in-process fan-out only:
the token as the protocols `bearer`, <token>; `ready`; then the user's `item` events. The
benchmark runs it in the baked project's virtualenv, so both use the same uvicorn, uvloop,
Starlette, asyncpg and PyJWT versions.

    FLOOR_DSN=postgresql://... SECRET_KEY=... uvicorn floor_api:app
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import jwt
import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

SECRET_KEY = os.environ["SECRET_KEY"]
DSN = os.environ["FLOOR_DSN"]
POOL_SIZE = int(os.environ.get("FLOOR_POOL_SIZE", "15"))
MAX_PAGE_SIZE = 100
ITEM_COLUMNS = "id, title, description, created_at, updated_at"
# The same page query as the service, with the total in the same statement.
LIST_SQL = f"""
SELECT {ITEM_COLUMNS}, count(*) OVER () AS total
FROM items WHERE owner_id = $1
ORDER BY created_at DESC, id LIMIT $2 OFFSET $3
"""  # noqa: S608 (constant column names, no input)
COUNT_SQL = "SELECT count(*) FROM items WHERE owner_id = $1"
ITEM_SQL = f"SELECT {ITEM_COLUMNS} FROM items WHERE id = $1 AND owner_id = $2"  # noqa: S608 (constants)
INSERT_SQL = f"""
INSERT INTO items (id, owner_id, title, description, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5) RETURNING {ITEM_COLUMNS}
"""  # noqa: S608 (constants)
password_hasher = PasswordHasher()
# The open sockets' send queues by user: the live channel's fan-out, in this process only.
SUBSCRIBERS: defaultdict[uuid.UUID, set[asyncio.Queue[str]]] = defaultdict(set)
SEND_QUEUE_SIZE = 64


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_UTC_Z)


def error(status: int, code: str) -> JSON:
    return JSON({"error": {"code": code, "message": code, "request_id": None}}, status_code=status)


def owner_id(request: Request) -> uuid.UUID | None:
    """The user id in a valid access token, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token_owner(token)


def token_owner(token: str) -> uuid.UUID | None:
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
        return uuid.UUID(claims["sub"]) if claims.get("type") == "access" else None
    except (jwt.PyJWTError, KeyError, ValueError):
        return None


def item_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "description": row["description"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


async def live(request: Request) -> JSON:
    return JSON({"status": "ok"})


async def list_items(request: Request) -> JSON:
    owner = owner_id(request)
    if owner is None:
        return error(401, "not_authenticated")
    try:
        limit = int(request.query_params.get("limit", "20"))
        offset = int(request.query_params.get("offset", "0"))
    except ValueError:
        return error(422, "validation_error")
    if not (1 <= limit <= MAX_PAGE_SIZE and offset >= 0):
        return error(422, "validation_error")
    async with pool(request).acquire() as connection:
        rows = await connection.fetch(LIST_SQL, owner, limit, offset)
        # Past the last page the window count has no row to ride on: count separately.
        total = rows[0]["total"] if rows else await connection.fetchval(COUNT_SQL, owner)
    body = {"items": [item_json(row) for row in rows], "total": total, "limit": limit, "offset": offset}
    return JSON(body)


async def read_item(request: Request) -> JSON:
    owner = owner_id(request)
    if owner is None:
        return error(401, "not_authenticated")
    try:
        item_id = uuid.UUID(request.path_params["item_id"])
    except ValueError:
        return error(422, "validation_error")
    row = await pool(request).fetchrow(ITEM_SQL, item_id, owner)
    return error(404, "item_not_found") if row is None else JSON(item_json(row))


async def create_item(request: Request) -> JSON:
    owner = owner_id(request)
    if owner is None:
        return error(401, "not_authenticated")
    try:
        data = orjson.loads(await request.body())
        title, description = data["title"], data.get("description")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return error(422, "validation_error")
    if not isinstance(title, str) or not 1 <= len(title) <= 200:
        return error(422, "validation_error")
    row = await pool(request).fetchrow(INSERT_SQL, uuid.uuid4(), owner, title, description, datetime.now(UTC))
    publish(owner, {"type": "item", "data": {"id": str(row["id"]), "action": "created"}})
    return JSON(item_json(row), status_code=201)


def publish(owner: uuid.UUID, event: dict[str, Any]) -> None:
    message = orjson.dumps(event).decode()
    for queue in SUBSCRIBERS.get(owner, ()):
        with contextlib.suppress(asyncio.QueueFull):  # a client that stops reading misses events
            queue.put_nowait(message)


async def live_socket(websocket: WebSocket) -> None:
    protocols = websocket.scope.get("subprotocols", [])
    owner = token_owner(protocols[1]) if len(protocols) == 2 and protocols[0] == "bearer" else None
    if owner is None:
        await websocket.close(code=4401)
        return
    await websocket.accept(subprotocol="bearer")
    queue: asyncio.Queue[str] = asyncio.Queue(SEND_QUEUE_SIZE)
    SUBSCRIBERS[owner].add(queue)
    receiving = asyncio.ensure_future(websocket.receive())
    try:
        await websocket.send_text(orjson.dumps({"type": "ready", "process": str(os.getpid())}).decode())
        while True:
            getting = asyncio.ensure_future(queue.get())
            await asyncio.wait({receiving, getting}, return_when=asyncio.FIRST_COMPLETED)
            if receiving.done():  # the client sends nothing but its close
                getting.cancel()
                return
            await websocket.send_text(getting.result())
    finally:
        receiving.cancel()
        SUBSCRIBERS[owner].discard(queue)


async def login(request: Request) -> JSON:
    form = await request.form()
    email, password = str(form.get("username", "")).lower(), str(form.get("password", ""))
    row = await pool(request).fetchrow("SELECT id, hashed_password FROM users WHERE email = $1", email)
    try:
        if row is None:
            raise VerificationError
        password_hasher.verify(row["hashed_password"], password)
    except (VerificationError, InvalidHashError):
        return error(401, "invalid_credentials")
    now = datetime.now(UTC)
    claims = {"sub": str(row["id"]), "type": "access", "jti": str(uuid.uuid4()), "iat": now}
    token = jwt.encode({**claims, "exp": now + timedelta(minutes=15)}, SECRET_KEY, algorithm="HS256")
    return JSON({"access_token": token, "token_type": "bearer"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=1, max_size=POOL_SIZE)
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/health/live", live),
        Route("/api/v1/items", list_items, methods=["GET"]),
        Route("/api/v1/items", create_item, methods=["POST"]),
        Route("/api/v1/items/{item_id}", read_item, methods=["GET"]),
        Route("/api/v1/auth/login", login, methods=["POST"]),
        WebSocketRoute("/api/v1/ws", live_socket),
    ],
    lifespan=lifespan,
)
