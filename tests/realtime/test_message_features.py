"""Reactions and mentions as gateway clients receive them, over real websockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from parley import events
from tests.support.accounts import Account, new_account
from tests.support.gateway import Gateway, InProcessServer
from tests.support.social import befriend, open_dm, send


@pytest.fixture(scope="module")
async def server(app: FastAPI) -> AsyncIterator[InProcessServer]:
    srv = InProcessServer(app)
    await srv.start()
    yield srv
    await srv.stop()


async def connected(server: InProcessServer, account: Account) -> Gateway:
    gw = await Gateway.open(server.ws_url)
    await gw.identify(account.access_token)
    return gw


async def test_members_receive_reaction_add_and_remove(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    outsider = await new_account(client, "outsider")
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "hi")
    alice_gw = await connected(server, alice)
    outsider_gw = await connected(server, outsider)
    url = f"/v1/channels/{channel_id}/messages/{message['id']}/reactions/{quote('👍')}"
    assert (await client.put(url, headers=bob.headers)).status_code == 204
    added = await alice_gw.dispatch()
    assert added["t"] == "MESSAGE_REACTION_ADD"
    events.ReactionData.model_validate(added["d"])
    assert added["d"] == {
        "channel_id": channel_id,
        "message_id": message["id"],
        "user_id": bob.id,
        "emoji": "👍",
        "count": 1,
    }
    assert (await client.delete(url, headers=bob.headers)).status_code == 204
    removed = await alice_gw.dispatch()
    assert (removed["t"], removed["d"]["count"]) == ("MESSAGE_REACTION_REMOVE", 0)
    # the outsider's next dispatch is one addressed to them
    await open_dm(client, outsider, alice)
    assert (await outsider_gw.dispatch())["t"] == "CHANNEL_CREATE"
    await alice_gw.close()
    await outsider_gw.close()


async def test_a_mention_reaches_the_mentioned_member_and_ready_counts_it(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    bob_gw = await connected(server, bob)
    sent = await send(client, alice, channel_id, f"look @{bob.username}")
    created = await bob_gw.dispatch()
    assert created["t"] == "MESSAGE_CREATE"
    assert created["d"]["mention_ids"] == [bob.id]
    mention = await bob_gw.dispatch()
    assert mention["t"] == "MESSAGE_MENTION"
    events.MentionData.model_validate(mention["d"])
    assert mention["d"] == {
        "channel_id": channel_id,
        "message_id": sent["id"],
        "author_id": alice.id,
        "everyone": False,
    }
    await bob_gw.close()
    again = await Gateway.open(server.ws_url)
    ready = await again.identify(bob.access_token)
    (channel,) = [c for c in ready["channels"] if c["id"] == channel_id]
    assert (channel["unread_count"], channel["mention_count"]) == (1, 1)
    await again.close()


async def test_ready_carries_which_friends_are_online(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    stranger = await new_account(client, "stranger")
    for friend in (bob, carol):
        await befriend(client, alice, friend)
    bob_gw = await connected(server, bob)
    stranger_gw = await connected(server, stranger)
    hidden = await Gateway.open(server.ws_url)
    await hidden.identify(carol.access_token, presence=False)
    alice_gw = await Gateway.open(server.ws_url)
    ready = await alice_gw.identify(alice.access_token)
    assert ready["presences"] == [{"user_id": bob.id, "status": "online"}]
    for gw in (bob_gw, stranger_gw, hidden, alice_gw):
        await gw.close()


async def test_message_events_carry_the_rest_shape(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    bob_gw = await connected(server, bob)
    sent = await send(client, alice, channel_id, "same shape")
    created = (await bob_gw.dispatch())["d"]
    assert events.SentMessageData.model_validate(created).id == sent["id"]
    assert created.keys() == sent.keys() - {"reactions"}
    assert {k: v for k, v in sent.items() if k not in ("reactions", "created_at")} == {
        k: v for k, v in created.items() if k != "created_at"
    }
    await bob_gw.close()
