"""Reactions and mentions as gateway clients receive them, over real websockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from tests.support.accounts import Account, new_account
from tests.support.gateway import Gateway, InProcessServer
from tests.support.social import open_dm, send


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
