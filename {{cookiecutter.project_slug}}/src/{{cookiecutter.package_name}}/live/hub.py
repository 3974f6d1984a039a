"""The sockets one process serves, and how an event reaches the ones it belongs to.

Each connection has a bounded send queue. An event for a connection whose queue is full is not
queued: the connection is closed instead (1008), so a client that stops reading costs at most
`WS_SEND_QUEUE_SIZE` messages of memory, never more. A send that hangs for
`WS_SEND_TIMEOUT_SECONDS` (the client's TCP window stays shut) ends the connection too.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Coroutine, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from {{ cookiecutter.package_name }}.live.events import Event

logger = structlog.get_logger(__name__)

# Close codes (RFC 6455 7.4; 4000-4999 are the application's own).
GOING_AWAY = 1001  # the server is shutting down: reconnect (to another instance)
TOO_SLOW = 1008  # the client let its send queue fill up, or stopped reading
UNAUTHORIZED = 4401  # bad, missing or expired token, or the session ended: log in again
CLOSE_TIMEOUT = 2.0  # seconds a close handshake may take before the socket is abandoned

PING = orjson.dumps({"type": "ping"}).decode()

Watcher = Callable[["Connection"], Coroutine[Any, Any, object]]


@dataclass(frozen=True, slots=True)
class Admission:
    """An accepted socket: whose events it gets (None: the public ones), and what watches it."""

    owner: uuid.UUID | None
    watchers: Sequence[Watcher] = ()


class Connection:
    """One client socket: a bounded queue of messages to send, and why it is closing."""

    def __init__(
        self,
        websocket: WebSocket,
        owner: uuid.UUID | None,
        *,
        queue_size: int,
        send_timeout: float,
        heartbeat_seconds: float,
    ) -> None:
        self.websocket = websocket
        self.owner = owner
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.send_timeout = send_timeout
        self.heartbeat_seconds = heartbeat_seconds
        self.close_reason: tuple[int, str] | None = None
        self._closing = asyncio.Event()
        self._disconnected = False

    def offer(self, message: str) -> None:
        """Queue a message; a full queue means the client stopped reading, so drop it."""
        if self.close_reason is not None:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            logger.warning("ws_client_too_slow", owner=str(self.owner), queued=self.queue.qsize())
            self.close(TOO_SLOW, "too slow: the send queue is full")

    def close(self, code: int, reason: str) -> None:
        """Ask the connection to close with `code`; the first reason given wins."""
        if self.close_reason is None:
            self.close_reason = (code, reason)
            # The queued messages are dropped at once: a closing socket holds no memory.
            while not self.queue.empty():
                self.queue.get_nowait()
            self._closing.set()

    async def serve(self, watchers: Iterable[Watcher] = ()) -> None:
        """Send, receive and send heartbeats until the client leaves or `close()` is called."""
        tasks = [
            asyncio.create_task(self._send()),
            asyncio.create_task(self._receive()),
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._closing.wait()),
            *(asyncio.create_task(watch(self)) for watch in watchers),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._disconnected or self.websocket.application_state != WebSocketState.CONNECTED:
            return
        code, reason = self.close_reason or (1000, "")
        # A client that stopped reading may never take the close frame: give up after a while.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.websocket.close(code, reason), CLOSE_TIMEOUT)

    async def _send(self) -> None:
        while True:
            message = await self.queue.get()
            try:
                await asyncio.wait_for(self.websocket.send_text(message), self.send_timeout)
            except TimeoutError:
                self.close(TOO_SLOW, "too slow: a send timed out")
                return
            except (WebSocketDisconnect, OSError, RuntimeError):
                self._disconnected = True
                return

    async def _receive(self) -> None:
        # Clients have nothing to say after authenticating; reading finds out when they leave.
        while True:
            message: MutableMapping[str, Any] = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                self._disconnected = True
                return

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.offer(PING)


class Hub:
    """This process's connections, by owner (None: a connection that gets public events only)."""

    def __init__(self) -> None:
        self._by_owner: dict[uuid.UUID | None, set[Connection]] = {}
        self.closing = False
        self._empty = asyncio.Event()
        self._empty.set()
        self._tasks: dict[str, asyncio.Task[object]] = {}

    def keep_running(self, name: str, work: Callable[[], Coroutine[Any, Any, object]]) -> None:
        """Run `work()` in the background until the hub closes, once per name."""
        if name not in self._tasks:
            self._tasks[name] = asyncio.create_task(work())

    def add(self, connection: Connection) -> None:
        self._by_owner.setdefault(connection.owner, set()).add(connection)
        self._empty.clear()

    def discard(self, connection: Connection) -> None:
        connections = self._by_owner.get(connection.owner)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_owner[connection.owner]
        if not self._by_owner:
            self._empty.set()

    def connections(self, owner: uuid.UUID | None = None) -> list[Connection]:
        """The open connections of `owner`, or every one when `owner` is None."""
        if owner is not None:
            return list(self._by_owner.get(owner, ()))
        return [c for group in self._by_owner.values() for c in group]

    def owners(self) -> list[uuid.UUID]:
        """The users with an open connection here."""
        return [owner for owner in self._by_owner if owner is not None]

    def dispatch(self, event: Event) -> None:
        """Queue the event for its owner's connections, or for all when it is public."""
        message = event.message()
        for connection in self.connections(event.owner):
            connection.offer(message)

    def close_owner(self, owner: uuid.UUID, code: int, reason: str) -> None:
        for connection in self.connections(owner):
            connection.close(code, reason)

    def begin_closing(self, code: int = GOING_AWAY, reason: str = "server shutting down") -> None:
        """Refuse new connections and ask every open one to close; returns at once."""
        self.closing = True
        for connection in self.connections():
            connection.close(code, reason)

    async def gone(self) -> None:
        """Wait until every connection has gone, or the close handshakes' time is up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._empty.wait(), CLOSE_TIMEOUT + 1)

    async def close_all(self, code: int = GOING_AWAY, reason: str = "server shutting down") -> None:
        """Close every connection (and refuse new ones), waiting briefly for them to go."""
        self.begin_closing(code, reason)
        await self.gone()
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
