"""The live channel (use_websockets) as a client sees it: connect with a bearer token, read the
`ready` message, make an event happen over HTTP, read it. The drill and the benchmark's WebSocket
scenario both time this round trip, against the bake and (the benchmark) against its floor."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from harness.api import API

TIMEOUT = 10.0  # seconds any one handshake or expected message may take


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + f"{API}/ws"


def next_message(client: ClientConnection, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    """The next message of type `kind`, past heartbeat pings; fails on any other type."""
    deadline = time.monotonic() + timeout
    while True:
        message: dict[str, Any] = json.loads(client.recv(timeout=max(deadline - time.monotonic(), 0.001)))
        if message.get("type") == kind:
            return message
        assert message.get("type") == "ping", f"expected a {kind!r} message, got {message}"


@contextlib.contextmanager
def open_socket(base: str, token: str) -> Iterator[tuple[ClientConnection, dict[str, Any]]]:
    """Connect as a browser does (the token as the protocols `bearer`, <token>); read `ready`."""
    protocols = [Subprotocol("bearer"), Subprotocol(token)]
    with connect(ws_url(base), subprotocols=protocols, open_timeout=TIMEOUT) as client:
        assert client.subprotocol == "bearer", client.subprotocol
        yield client, next_message(client, "ready")


@dataclass(frozen=True)
class RoundTrip:
    """One connect + one event: the seconds to `ready`, then from the request to its event."""

    connect_s: float
    event_s: float
    process: str  # the server process that served the socket (its `ready` message says)

    @property
    def total_s(self) -> float:
        return self.connect_s + self.event_s


def item_round_trip(base: str, token: str, http: httpx.Client) -> RoundTrip:
    """Open a socket, create an item through `http` (same user), and wait for its `created` event;
    the event must be exactly the documented one, for this item."""
    started = time.perf_counter()
    with open_socket(base, token) as (client, ready):
        connected = time.perf_counter()
        response = http.post(
            f"{API}/items", json={"title": "live"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.text
        event = next_message(client, "item")
        arrived = time.perf_counter()
    assert event == {"type": "item", "data": {"id": response.json()["id"], "action": "created"}}, event
    return RoundTrip(connected - started, arrived - connected, str(ready.get("process", "")))


def percentiles_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds, one decimal; needs at least two samples."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return round(statistics.median(seconds) * 1000, 1), round(cuts[98] * 1000, 1)
