{%- set auth = 'auth' in cookiecutter | features -%}
"""Fan-out over Redis: uvicorn with two worker processes, clients on both, one event.

The `ready` message names the process serving the socket, so the test holds a socket on each
worker; whichever one {% if 'items' in cookiecutter | features %}serves the request that creates the item{% else %}hears the event first{% endif %}, the other must get the event too.
"""

from __future__ import annotations

import asyncio
import time
import uuid

{% if 'items' in cookiecutter | features -%}
import httpx
{% endif -%}
from websockets.asyncio.client import ClientConnection

{% if 'items' not in cookiecutter | features -%}
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.redis_bus import publish_without_app
{% endif -%}
from tests.fixtures.live import (
    Member,
    free_port,
{%- if 'items' in cookiecutter | features and auth %}
    http_headers,
{%- endif %}
    next_message,
    open_socket,
{%- if 'items' not in cookiecutter | features %}
    owner_id,
{%- endif %}
    serve_in_process,
)

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
{%- if 'items' in cookiecutter | features %}
        async with httpx.AsyncClient(base_url=url{% if auth %}, headers=http_headers(member){% endif %}) as http:
            response = await http.post("/api/v1/items", json={"title": "fan-out"})
        assert response.status_code == 201, response.text
        expected = {"id": response.json()["id"], "action": "created"}
        for client in by_process.values():
            assert (await next_message(client, "item"))["data"] == expected
{%- else %}
        settings = get_settings().model_copy(update={"redis_key_prefix": prefix})
        # Published from this process, as the Celery worker publishes.
        event = Event(type="note", data={"text": "fan-out"}, owner=owner_id(member))
        await publish_without_app(event, settings)
        for client in by_process.values():
            assert (await next_message(client, "note"))["data"] == {"text": "fan-out"}
{%- endif %}
        for client in by_process.values():
            await client.close()
