"""Who may keep the live channel open: tokens, deactivation, and each user's own events."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from {{ cookiecutter.package_name }}.live.bus import publish
from {{ cookiecutter.package_name }}.live.events import Event
from {{ cookiecutter.package_name }}.live.hub import UNAUTHORIZED
from {{ cookiecutter.package_name }}.users.models import User
from tests.fixtures.live import (
    LiveServer,
    Member,
    close_code,
    handshake_headers,
    next_message,
    open_socket,
    ws_url,
)
from tests.fixtures.live_users import MakeMember, member_with, token_for


async def closed_with(url: str, member: Member) -> int:
    async with connect(ws_url(url), additional_headers=handshake_headers(member, url)) as client:
        return await close_code(client)


async def test_a_bad_token_closes_with_4401(live_server: LiveServer) -> None:
    assert await closed_with(live_server.url, member_with("not-a-token")) == UNAUTHORIZED


async def test_no_token_closes_with_4401(live_server: LiveServer) -> None:
    assert await closed_with(live_server.url, Member()) == UNAUTHORIZED


async def test_an_expired_token_closes_with_4401(live_server: LiveServer, member: Member) -> None:
    assert member.id is not None
    expired = member_with(token_for(member.id, expires_in=timedelta(seconds=-1)), member.id)
    assert await closed_with(live_server.url, expired) == UNAUTHORIZED


async def test_an_inactive_user_is_refused(
    live_server: LiveServer, make_member: MakeMember
) -> None:
    inactive = await make_member(is_active=False)
    assert await closed_with(live_server.url, inactive) == UNAUTHORIZED


async def test_an_open_socket_closes_when_its_token_expires(
    live_server: LiveServer, member: Member
) -> None:
    assert member.id is not None
    short = member_with(token_for(member.id, expires_in=timedelta(seconds=2)), member.id)
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
        assert client.close_reason == "session ended"
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
