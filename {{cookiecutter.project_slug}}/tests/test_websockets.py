{%- set auth = 'auth' in cookiecutter | features -%}
"""The live channel against a real uvicorn: heartbeats, events, slow clients, shutdown."""

from __future__ import annotations

import asyncio
import os
import signal

{% if 'items' in cookiecutter | features -%}
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from {{ cookiecutter.package_name }}.items import service as items
from {{ cookiecutter.package_name }}.items.schemas import ItemCreate, ItemUpdate
{% endif -%}
from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import GOING_AWAY, TOO_SLOW
{%- if auth %}
from {{ cookiecutter.package_name }}.users.principal import Principal
{%- endif %}
from tests.fixtures.live import (
    LiveServer,
    Member,
    close_code,
    free_port,
    handshake_headers,
    live_settings,
    next_message,
    open_socket,
    owner_id,
    serve_in_process,
    serve_in_thread,
    stalled_socket,
    wait_until,
)


async def test_a_client_gets_ready_then_heartbeats(live_server: LiveServer, member: Member) -> None:
    client, ready = await open_socket(live_server.url, member)
    async with client:
        assert ready["process"]
        assert await next_message(client, "ping") == {"type": "ping"}


async def test_a_published_event_reaches_its_client(
    live_server: LiveServer, member: Member
) -> None:
    client, _ = await open_socket(live_server.url, member)
    async with client:
        await publish(Event(type="note", data={"text": "hello"}, owner=owner_id(member)))
        assert await next_message(client, "note") == {"type": "note", "data": {"text": "hello"}}
{%- if 'items' in cookiecutter | features %}


async def test_item_changes_are_pushed_once_committed(
    live_server: LiveServer, member: Member, api_engine: AsyncEngine
) -> None:
    sessions = async_sessionmaker(api_engine, expire_on_commit=False)
    client, _ = await open_socket(live_server.url, member)
    async with client, sessions() as session:
{%- if auth %}
        assert member is not None
        item = await items.create_item(session, Principal(member.id, False), ItemCreate(title="a"))
{%- else %}
        item = await items.create_item(session, ItemCreate(title="a"))
{%- endif %}
        created = await next_message(client, "item")
        await items.update_item(session, item, ItemUpdate(title="b"))
        updated = await next_message(client, "item")
        item_id = item.id
        await items.delete_item(session, item)
        deleted = await next_message(client, "item")
    assert [created["data"], updated["data"], deleted["data"]] == [
        {"id": str(item_id), "action": action} for action in ("created", "updated", "deleted")
    ]
{%- endif %}


MAX_EVENTS = 2000  # 128 MiB: far more than a loopback socket buffers


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
                await publish(Event(type="note", data={"n": n, "pad": pad}, owner=owner_id(member)))
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
