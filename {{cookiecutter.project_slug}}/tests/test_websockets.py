"""The live channel against a real uvicorn: heartbeats, events, slow clients, shutdown."""

from __future__ import annotations

import asyncio
import os
import signal

from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import GOING_AWAY, TOO_SLOW
from tests.fixtures.live import (
    LiveServer,
    Member,
    close_code,
    free_port,
    handshake_headers,
    live_settings,
    next_message,
    open_socket,
    serve_in_process,
    serve_in_thread,
    stalled_socket,
    wait_until,
)

MAX_EVENTS = 2000  # 128 MiB in all: far more than a loopback socket buffers


async def test_a_client_gets_ready_then_heartbeats(live_server: LiveServer, member: Member) -> None:
    client, ready = await open_socket(live_server.url, member)
    async with client:
        assert ready["process"]
        assert await next_message(client, "ping") == {"type": "ping"}


async def test_a_published_event_reaches_its_client(
    live_server: LiveServer, member: Member
) -> None:
    # Published from this test's event loop, as a domain or a worker thread would: it crosses to
    # the server's loop (in-process) or goes over Redis and back.
    client, _ = await open_socket(live_server.url, member)
    async with client:
        await publish(Event(type="note", data={"text": "hello"}, owner=member.id))
        assert await next_message(client, "note") == {"type": "note", "data": {"text": "hello"}}


async def test_a_client_that_stops_reading_is_dropped(member: Member) -> None:
    settings = live_settings(ws_send_queue_size=4, ws_send_timeout_seconds=2.0)
    with serve_in_thread(settings) as server:
        stalled = stalled_socket(server.url, handshake_headers(member, server.url))
        with stalled:
            await wait_until(lambda: bool(server.hub.connections()))
            [connection] = server.hub.connections()
            # Events until the kernel's buffers are full and the send queue (4) overflows.
            pad = "x" * 64 * 1024
            for n in range(MAX_EVENTS):
                await publish(Event(type="note", data={"n": n, "pad": pad}, owner=member.id))
                if connection.close_reason is not None:
                    break
                await asyncio.sleep(0.005)
            await wait_until(lambda: not server.hub.connections())
    # Dropped, and what it had queued let go at once: at most 4 messages were ever held.
    assert connection.close_reason is not None
    assert connection.close_reason[0] == TOO_SLOW
    assert connection.queue.qsize() == 0


async def test_sigterm_closes_the_sockets_with_1001(member: Member) -> None:
    port = str(free_port())
    with serve_in_process(1, {"PORT": port}) as process:
        client, _ = await open_socket(f"http://127.0.0.1:{port}", member)
        os.kill(process.pid, signal.SIGTERM)
        assert await close_code(client) == GOING_AWAY
        assert client.close_reason == "server shutting down"
