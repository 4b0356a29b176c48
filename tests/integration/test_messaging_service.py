"""Service functions the dialects and the gateway call directly."""

from __future__ import annotations

import httpx
import pytest

from parley.errors import Forbidden, Invalid, NotFound
from parley.messaging import channels, history, members
from parley.messaging.errors import ChannelExists, NotFriends
from parley.runtime import Runtime
from parley.social import service as social
from parley.social.errors import AlreadyFriends
from tests.support.accounts import Account, new_account
from tests.support.social import befriend, open_dm, send
from tests.support.statements import count_statements


async def test_whisper_style_friends_and_channels(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    async with runtime.db.unit_of_work() as session:
        added = await social.add_friend_by_username(session, alice.id, bob.username.upper())
        assert added.id == bob.id
    async with runtime.db.unit_of_work() as session:
        with pytest.raises(AlreadyFriends):
            await social.add_friend_by_username(session, bob.id, alice.username)
    async with runtime.db.unit_of_work() as session:
        with pytest.raises(NotFound):
            await social.add_friend_by_username(session, bob.id, "nobody-at-all")
        with pytest.raises(NotFriends):
            await channels.open_direct(session, alice.id, carol.id, require_friend=True)
    keys = {alice.id: "a2V5QQ==", bob.id: "a2V5Qg=="}
    async with runtime.db.unit_of_work() as session:
        channel, created = await channels.open_direct(
            session, alice.id, bob.id, encrypted_keys=keys, require_friend=True, exists_ok=False
        )
        assert created
        assert channel.encrypted
    async with runtime.db.unit_of_work() as session:
        with pytest.raises(ChannelExists):
            await channels.open_direct(
                session, bob.id, alice.id, encrypted_keys=keys, exists_ok=False
            )
        assert await channels.get_channel_key(session, bob.id, channel.id) == "a2V5Qg=="
        page = await social.list_friends(session, alice.id, limit=20)
        assert [(e.user.id, e.channel_id) for e in page.items] == [(bob.id, channel.id)]
        assert page.next_cursor is None
        assert await social.friend_ids(session, alice.id) == [bob.id]
        assert not await social.is_blocked_between(session, alice.id, bob.id)
        assert not await social.remove_friend(session, alice.id, carol.id)  # 204 in Whisper


async def test_block_is_seen_from_both_sides(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    async with runtime.db.unit_of_work() as session:
        assert await social.is_blocked_between(session, alice.id, bob.id)
        assert await social.is_blocked_between(session, bob.id, alice.id)
        with pytest.raises(Forbidden):
            await social.add_friend(session, bob.id, alice.id)


async def test_offset_helper_is_bounded_and_newest_first(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    ids = [(await send(client, bob, channel_id, f"m{i}"))["id"] for i in range(5)]
    settings = runtime.settings
    async with runtime.db.unit_of_work() as session:
        page = await history.list_messages_offset(
            session, settings, alice.id, channel_id, offset=1, limit=2
        )
        assert [m.id for m in page] == [ids[3], ids[2]]
        with pytest.raises(Invalid):
            await history.list_messages_offset(
                session,
                settings,
                alice.id,
                channel_id,
                offset=settings.offset_paging_max + 1,
                limit=2,
            )
        eve = await new_account(client, "eve")
        with pytest.raises(NotFound):
            await history.list_messages_offset(
                session, settings, eve.id, channel_id, offset=0, limit=2
            )
        first = await history.message_page(session, alice.id, channel_id, before=None, limit=3)
        assert [m.id for m in first.items] == ids[:1:-1]
        rest = await history.message_page(
            session, alice.id, channel_id, before=first.next_cursor, limit=3
        )
        assert ([m.id for m in rest.items], rest.next_cursor) == (ids[1::-1], None)
        rows = await members.channel_members(session, alice.id, channel_id)
        assert [u.id for _, u in rows] == [alice.id, bob.id]


async def test_channel_list_costs_the_same_queries_for_any_page_size(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    friends = [await new_account(client, "n") for _ in range(6)]
    for friend in friends:
        await befriend(client, alice, friend)
        channel_id = await open_dm(client, alice, friend)
        await send(client, friend, channel_id, "hello")
    group = await client.post(
        "/v1/channels",
        json={"name": "g", "member_ids": [f.id for f in friends]},
        headers=alice.headers,
    )
    await send(client, friends[0], group.json()["id"], "to the group")
    counts = []
    for limit in (2, 7):
        async with runtime.db.unit_of_work() as session:
            with count_statements(runtime) as statements:
                page = await channels.list_channels(session, alice.id, limit=limit)
            counts.append(len(statements))
    assert counts[0] == counts[1]
    assert [s.unread_count for s in page.items] == [1] * 7
    assert page.items[0].member_count == 7
    assert page.items[1].other_user is not None
    assert page.items[1].other_user.id == friends[-1].id
    assert page.items[1].last_message is not None


async def test_unread_counts_stop_at_the_cap(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    from parley.messaging import repository

    channel_id = await open_dm(client, alice, bob)
    for i in range(4):
        await send(client, bob, channel_id, f"m{i}")
    async with runtime.db.unit_of_work() as session:
        rows = await repository.list_channels_for(
            session, alice.id, before=None, limit=10, unread_cap=3
        )
        assert [(row[0].id, row[3]) for row in rows] == [(channel_id, 3)]
        summary = await channels.get_channel(session, alice.id, channel_id)
        assert summary.unread_count == 4
