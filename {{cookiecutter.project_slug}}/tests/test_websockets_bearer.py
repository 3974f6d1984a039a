"""Where a bearer token may travel to the live channel: the protocol header or the first message
(browsers cannot set headers on a WebSocket), never the query string."""

from __future__ import annotations

import time

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from {{ cookiecutter.package_name }}.live.hub import UNAUTHORIZED
from tests.fixtures.live import LiveServer, Member, close_code, next_message, ws_url


async def test_the_token_may_come_in_the_protocol_header(
    live_server: LiveServer, member: Member
) -> None:
    protocols = [Subprotocol("bearer"), Subprotocol(member.token)]
    async with connect(ws_url(live_server.url), subprotocols=protocols) as client:
        assert client.subprotocol == "bearer"
        assert (await next_message(client, "ready"))["process"]


async def test_a_bad_token_in_the_protocol_header_closes_with_4401(
    live_server: LiveServer,
) -> None:
    protocols = [Subprotocol("bearer"), Subprotocol("not-a-token")]
    async with connect(ws_url(live_server.url), subprotocols=protocols) as client:
        assert await close_code(client) == UNAUTHORIZED


async def test_the_token_may_come_in_the_first_message(
    live_server: LiveServer, member: Member
) -> None:
    async with connect(ws_url(live_server.url)) as client:
        await client.send(orjson.dumps({"type": "auth", "token": member.token}).decode())
        assert (await next_message(client, "ready"))["process"]


@pytest.mark.parametrize("first", ['{"type": "auth"}', "not json", '["auth"]'])
async def test_a_first_message_without_a_token_closes_with_4401(
    live_server: LiveServer, first: str
) -> None:
    async with connect(ws_url(live_server.url)) as client:
        await client.send(first)
        assert await close_code(client) == UNAUTHORIZED


async def test_a_token_in_the_query_string_is_ignored(
    live_server: LiveServer, member: Member
) -> None:
    # Access logs keep URLs: a token there counts for nothing (4401 once the wait for a first
    # message runs out).
    started = time.monotonic()
    async with connect(f"{ws_url(live_server.url)}?token={member.token}") as client:
        assert await close_code(client) == UNAUTHORIZED
    settings = live_server.app.state.settings
    assert time.monotonic() - started >= settings.ws_auth_timeout_seconds
