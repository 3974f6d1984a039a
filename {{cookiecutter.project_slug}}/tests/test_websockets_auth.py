"""Who may open the live channel, and for how long: tokens, other users, deactivation, and
{% if 'cookie' in cookiecutter | features %}the origins a browser may open it from{% else %}where the token may travel{% endif %}."""

from __future__ import annotations

import time
from datetime import timedelta

{% if 'bearer' in cookiecutter | features -%}
import orjson
{% endif -%}
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
{%- if 'cookie' in cookiecutter | features %}
from websockets.exceptions import InvalidStatus
{%- endif %}

from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import UNAUTHORIZED
{%- if 'cookie' in cookiecutter | features %}
from {{ cookiecutter.package_name }}.users.dependencies import ACCESS_COOKIE
{%- endif %}
from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.live import (
{%- if 'cookie' in cookiecutter | features %}
    TIMEOUT,
{%- endif %}
    LiveServer,
    MakeMember,
    Member,
    close_code,
    credentials,
    next_message,
    open_socket,
    token_for,
    ws_url,
)


async def test_a_bad_token_closes_with_4401(live_server: LiveServer) -> None:
    async with connect(ws_url(live_server.url), **credentials(None, live_server.url)) as client:
        assert await close_code(client) == UNAUTHORIZED


async def test_an_expired_token_closes_with_4401(live_server: LiveServer, member: Member) -> None:
    expired = Member(member.id, token_for(member.id, expires_in=timedelta(seconds=-1)))
    async with connect(ws_url(live_server.url), **credentials(expired, live_server.url)) as client:
        assert await close_code(client) == UNAUTHORIZED


async def test_an_inactive_user_is_refused(
    live_server: LiveServer, make_member: MakeMember
) -> None:
    inactive = await make_member(is_active=False)
    async with connect(ws_url(live_server.url), **credentials(inactive, live_server.url)) as client:
        assert await close_code(client) == UNAUTHORIZED


async def test_an_open_socket_closes_when_its_token_expires(
    live_server: LiveServer, member: Member
) -> None:
    short = Member(member.id, token_for(member.id, expires_in=timedelta(seconds=2)))
    client, _ = await open_socket(live_server.url, short)
    async with client:
        assert await close_code(client) == UNAUTHORIZED
        assert client.close_reason == "token expired"


async def test_a_deactivated_user_is_closed_within_the_status_bound(
    live_server: LiveServer, member: Member, api_engine: AsyncEngine
) -> None:
    client, _ = await open_socket(live_server.url, member)
    async with client:
        async with api_engine.begin() as connection:
            await connection.execute(
                update(User).where(User.id == member.id).values(is_active=False)
            )
        deactivated = time.monotonic()
        assert await close_code(client) == UNAUTHORIZED
        bound = live_server.app.state.settings.auth_status_cache_seconds
        assert time.monotonic() - deactivated < bound + 1.0


async def test_a_user_gets_their_own_events_only(
    live_server: LiveServer, make_member: MakeMember
) -> None:
    alice, bob = await make_member(), await make_member()
    alice_client, _ = await open_socket(live_server.url, alice)
    bob_client, _ = await open_socket(live_server.url, bob)
    async with alice_client, bob_client:
        await publish(Event(type="note", data={"for": "alice"}, owner=alice.id))
        await publish(Event(type="note", data={"for": "bob"}, owner=bob.id))
        await publish(Event(type="note", data={"for": "everyone"}))
        assert (await next_message(alice_client, "note"))["data"] == {"for": "alice"}
        assert (await next_message(alice_client, "note"))["data"] == {"for": "everyone"}
        assert (await next_message(bob_client, "note"))["data"] == {"for": "bob"}
        assert (await next_message(bob_client, "note"))["data"] == {"for": "everyone"}
{%- if 'cookie' in cookiecutter | features %}


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.2:1"])
async def test_a_cross_site_handshake_is_refused(
    live_server: LiveServer, member: Member, origin: str
) -> None:
    headers = {"Cookie": f"{ACCESS_COOKIE}={member.token}", "Origin": origin}
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws_url(live_server.url), additional_headers=headers, open_timeout=TIMEOUT)
    assert refused.value.response.status_code == 403


async def test_an_origin_in_cors_origins_is_accepted(
    live_server: LiveServer, member: Member
) -> None:
    headers = {"Cookie": f"{ACCESS_COOKIE}={member.token}", "Origin": "https://app.example.com"}
    async with connect(ws_url(live_server.url), additional_headers=headers) as client:
        assert (await next_message(client, "ready"))["process"]


async def test_no_cookie_closes_with_4401(live_server: LiveServer) -> None:
    headers = {"Origin": live_server.url}
    async with connect(ws_url(live_server.url), additional_headers=headers) as client:
        assert await close_code(client) == UNAUTHORIZED
{%- else %}


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
    # Access logs keep URLs: a token there is refused (no first message comes: 4401 on timeout).
    started = time.monotonic()
    async with connect(f"{ws_url(live_server.url)}?token={member.token}") as client:
        assert await close_code(client) == UNAUTHORIZED
    settings = live_server.app.state.settings
    assert time.monotonic() - started >= settings.ws_auth_timeout_seconds
{%- endif %}
