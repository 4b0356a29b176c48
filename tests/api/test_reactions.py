"""Emoji reactions through the native API."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import Account, new_account
from tests.support.social import EventLog, befriend, open_dm, send

PARTY = "\U0001f389"
THUMBS = "\U0001f44d\U0001f3fd"  # with a skin tone: one emoji, two code points


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


def reaction_url(channel_id: int, message_id: int, emoji: str) -> str:
    return f"/v1/channels/{channel_id}/messages/{message_id}/reactions/{quote(emoji)}"


async def history(client: httpx.AsyncClient, who: Account, channel_id: int) -> list[dict]:
    response = await client.get(f"/v1/channels/{channel_id}/messages", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


async def test_reactions_are_counted_per_emoji_with_me_and_announced(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "party tonight")
    mark = event_log.mark()
    for who, emoji in ((bob, PARTY), (alice, PARTY), (bob, THUMBS), (bob, PARTY)):
        added = await client.put(
            reaction_url(channel_id, message["id"], emoji), headers=who.headers
        )
        assert added.status_code == 204, added.text
    (seen_by_bob,) = await history(client, bob, channel_id)
    assert seen_by_bob["reactions"] == [
        {"emoji": PARTY, "count": 2, "me": True},
        {"emoji": THUMBS, "count": 1, "me": True},
    ]
    (seen_by_alice,) = await history(client, alice, channel_id)
    assert seen_by_alice["reactions"] == [
        {"emoji": PARTY, "count": 2, "me": True},
        {"emoji": THUMBS, "count": 1, "me": False},
    ]
    added = event_log.to(mark, alice.id, "reaction.added")
    assert len(added) == 3  # reacting again with the same emoji is no change
    assert added[0] == {
        "channel_id": channel_id,
        "message_id": message["id"],
        "user_id": bob.id,
        "emoji": PARTY,
        "count": 1,
    }
    assert added[1]["count"] == 2
    mark = event_log.mark()
    removed = await client.delete(
        reaction_url(channel_id, message["id"], PARTY), headers=bob.headers
    )
    assert removed.status_code == 204
    assert event_log.to(mark, alice.id, "reaction.removed")[0]["count"] == 1
    again = await client.delete(reaction_url(channel_id, message["id"], PARTY), headers=bob.headers)
    assert again.status_code == 204
    assert len(event_log.since(mark, "reaction.removed")) == 1
    (seen_by_bob,) = await history(client, bob, channel_id)
    assert seen_by_bob["reactions"][0] == {"emoji": PARTY, "count": 1, "me": False}
    edited = await client.patch(
        f"/v1/channels/{channel_id}/messages/{message['id']}",
        json={"content": "party tomorrow"},
        headers=alice.headers,
    )
    assert edited.json()["reactions"][0] == {"emoji": PARTY, "count": 1, "me": True}


async def test_a_message_takes_a_bounded_number_of_distinct_reactions(
    make_settings: Callable[..., Settings],
) -> None:
    async for app in running_app(make_settings(reactions_max_per_message=2)):
        await _fill_up(app)


async def _fill_up(app: FastAPI) -> None:
    async with asgi_client(app) as client:
        alice = await new_account(client, "alice")
        bob = await new_account(client, "bob")
        channel_id = await open_dm(client, alice, bob)
        message = await send(client, alice, channel_id, "react")
        for emoji in ("a", "b"):
            ok = await client.put(
                reaction_url(channel_id, message["id"], emoji), headers=bob.headers
            )
            assert ok.status_code == 204
        third = await client.put(reaction_url(channel_id, message["id"], "c"), headers=bob.headers)
        assert third.status_code == 400
        assert third.json()["error"]["code"] == "too_many_reactions"
        # an emoji already there can still be added by someone else
        same = await client.put(reaction_url(channel_id, message["id"], "a"), headers=alice.headers)
        assert same.status_code == 204


async def test_bad_emoji_and_missing_messages(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "hi")
    for bad in ("x" * 33, "a b", "\x07"):
        response = await client.put(
            reaction_url(channel_id, message["id"], bad), headers=bob.headers
        )
        assert response.status_code in (400, 422), bad
    assert (
        await client.put(reaction_url(channel_id, 10**12, PARTY), headers=bob.headers)
    ).status_code == 404
    deleted = await send(client, alice, channel_id, "gone")
    await client.delete(
        f"/v1/channels/{channel_id}/messages/{deleted['id']}", headers=alice.headers
    )
    assert (
        await client.put(reaction_url(channel_id, deleted["id"], PARTY), headers=bob.headers)
    ).status_code == 404
    other = await open_dm(client, alice, await new_account(client, "c"))
    elsewhere = await send(client, alice, other, "not here")
    assert (
        await client.put(reaction_url(channel_id, elsewhere["id"], PARTY), headers=bob.headers)
    ).status_code == 404


async def test_non_members_and_blocked_users_cannot_react(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    outsider = await new_account(client, "outsider")
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "hi")
    url = reaction_url(channel_id, message["id"], PARTY)
    assert (await client.put(url, headers=outsider.headers)).status_code == 404
    assert (await client.delete(url, headers=outsider.headers)).status_code == 404
    assert (await client.put(url)).status_code == 401
    await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    mark = event_log.mark()
    assert (await client.put(url, headers=bob.headers)).status_code == 403
    assert event_log.since(mark) == []
    # in a group: not on the message of someone who blocked you; others hear of nothing
    carol = await new_account(client, "carol")
    dave = await new_account(client, "dave")
    for friend in (bob, dave):
        await befriend(client, carol, friend)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id, dave.id]}, headers=carol.headers
    )
    group_id = group.json()["id"]
    from_dave = await send(client, dave, group_id, "hello all")
    await client.post("/v1/blocks", json={"user_id": bob.id}, headers=dave.headers)
    blocked = await client.put(reaction_url(group_id, from_dave["id"], PARTY), headers=bob.headers)
    assert blocked.status_code == 403
    from_carol = await send(client, carol, group_id, "hello")
    mark = event_log.mark()
    ok = await client.put(reaction_url(group_id, from_carol["id"], PARTY), headers=bob.headers)
    assert ok.status_code == 204
    assert event_log.to(mark, dave.id, "reaction.added") == []
    assert event_log.to(mark, carol.id, "reaction.added")[0]["user_id"] == bob.id
