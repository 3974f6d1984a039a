"""The live channel against a real uvicorn: heartbeats, events, slow clients, shutdown."""

from __future__ import annotations

import asyncio
import os
import signal

from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.feature import closing_on_sigterm
from {{ cookiecutter.package_name }}.live.hub import GOING_AWAY, TOO_SLOW, Hub
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


async def test_the_server_hears_of_sigterm_only_once_the_sockets_are_closed() -> None:
    # In this process, so the handler's own steps are seen: the server's handler (here a
    # recorder) is called after the hub has closed its sockets, never before.
    hub = Hub()
    heard: list[bool] = []
    server_handler = signal.signal(signal.SIGTERM, lambda *_: heard.append(hub.closing))
    try:
        with closing_on_sigterm(hub):
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)
            assert heard == []  # not yet: the sockets are closed first, on the loop
            await wait_until(lambda: bool(heard))
    finally:
        signal.signal(signal.SIGTERM, server_handler)
    assert heard == [True]
