"""Fan-out over Redis: uvicorn with two worker processes, a socket on each, one event.

The `ready` message names the process serving the socket, so the test holds a socket on each
worker; whichever worker serves the request that creates the item, the other's socket must get
the event too.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from websockets.asyncio.client import ClientConnection

from tests.fixtures.live import Member, free_port, next_message, open_socket, serve_in_process

WORKERS = 2
STARTUP_SECONDS = 30.0


async def test_an_event_raised_in_one_worker_reaches_clients_of_the_other(member: Member) -> None:
    port = str(free_port())
    prefix = f"test-workers-{uuid.uuid4().hex[:8]}:"
    url = f"http://127.0.0.1:{port}"
    with serve_in_process(WORKERS, {"PORT": port, "REDIS_KEY_PREFIX": prefix}):
        by_process: dict[str, ClientConnection] = {}
        # The second worker may still be starting: open sockets until one lands on it.
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(by_process) < WORKERS and time.monotonic() < deadline:
            client, ready = await open_socket(url, member)
            if ready["process"] in by_process:
                await client.close()
                await asyncio.sleep(0.1)
            else:
                by_process[ready["process"]] = client
        assert len(by_process) == WORKERS, "no socket landed on the second worker"
        async with httpx.AsyncClient(base_url=url, headers=member.headers) as http:
            response = await http.post("/api/v1/items", json={"title": "fan-out"})
        assert response.status_code == 201, response.text
        expected = {"id": response.json()["id"], "action": "created"}
        for client in by_process.values():
            assert (await next_message(client, "item"))["data"] == expected
            await client.close()
