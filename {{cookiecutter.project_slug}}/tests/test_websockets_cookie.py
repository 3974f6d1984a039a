"""The live channel with cookie authentication: a cross-site handshake is refused."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from {{ cookiecutter.package_name }}.live.hub import UNAUTHORIZED
from tests.fixtures.live import TIMEOUT, LiveServer, Member, close_code, next_message, ws_url


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.2:1"])
async def test_a_cross_site_handshake_is_refused(
    live_server: LiveServer, member: Member, origin: str
) -> None:
    headers = {**member.headers, "Origin": origin}
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws_url(live_server.url), additional_headers=headers, open_timeout=TIMEOUT)
    assert refused.value.response.status_code == 403


async def test_an_origin_in_cors_origins_is_accepted(
    live_server: LiveServer, member: Member
) -> None:
    headers = {**member.headers, "Origin": "https://app.example.com"}
    async with connect(ws_url(live_server.url), additional_headers=headers) as client:
        assert (await next_message(client, "ready"))["process"]


async def test_a_client_without_origin_is_not_a_browser_and_needs_the_cookie(
    live_server: LiveServer, member: Member
) -> None:
    async with connect(ws_url(live_server.url), additional_headers=member.headers) as client:
        assert (await next_message(client, "ready"))["process"]
    async with connect(ws_url(live_server.url)) as client:
        assert await close_code(client) == UNAUTHORIZED
