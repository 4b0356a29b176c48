"""Group commit of message sends: concurrent sends share transactions, yet every sender gets
its own answer, and one refused draft never fails the others."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from parley.errors import ParleyError
from parley.messaging.errors import ChannelNotFound, MessageNotFound
from parley.messaging.send import Draft, send_messages
from parley.models import Message
from parley.runtime import Runtime
from parley.social.errors import Blocked
from tests.conftest import ON_POSTGRES
from tests.support.accounts import Account, new_account
from tests.support.social import befriend, open_dm, send
from tests.support.statements import count_commits, count_statements


async def messages_in(client: httpx.AsyncClient, who: Account, channel_id: int) -> list[str]:
    response = await client.get(f"/v1/channels/{channel_id}/messages", headers=who.headers)
    assert response.status_code == 200, response.text
    return [m["content"] for m in response.json()["items"]]


async def test_concurrent_sends_share_transactions(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    await send(client, alice, channel_id, "warm up")  # the session checks are done here
    await send(client, bob, channel_id, "warm up")
    sends = [
        client.post(
            f"/v1/channels/{channel_id}/messages",
            json={"content": f"burst {i}"},
            headers=(alice if i % 2 else bob).headers,
        )
        for i in range(40)
    ]
    with count_commits(runtime) as commits:
        responses = await asyncio.gather(*sends)
    assert [r.status_code for r in responses] == [201] * 40
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == 40
    assert len(commits) < 20, f"{len(commits)} transactions for 40 concurrent sends"
    stored = await messages_in(client, alice, channel_id)
    assert sorted(stored[:40]) == sorted(f"burst {i}" for i in range(40))


async def test_each_sender_gets_its_own_answer(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    dave = await new_account(client, "dave")
    ours = await open_dm(client, alice, bob)
    theirs = await open_dm(client, carol, dave)
    elsewhere = (await send(client, carol, theirs, "in another channel"))["id"]
    await client.post("/v1/blocks", json={"user_id": carol.id}, headers=dave.headers)

    def post(who: Account, channel_id: int, content: str, **extra: object) -> object:
        return client.post(
            f"/v1/channels/{channel_id}/messages",
            json={"content": content, **extra},
            headers=who.headers,
        )

    responses = await asyncio.gather(
        post(alice, ours, "first"),
        post(carol, ours, "not a member"),
        post(carol, theirs, "blocked"),
        post(alice, ours, "a reply", reply_to_id=elsewhere),
        post(alice, 10**12, "no such channel"),
        post(bob, ours, "second"),
    )
    assert [r.status_code for r in responses] == [201, 404, 403, 404, 404, 201]  # type: ignore[attr-defined]
    assert sorted(await messages_in(client, bob, ours)) == ["first", "second"]
    assert await messages_in(client, dave, theirs) == ["in another channel"]


async def test_a_batch_costs_the_same_statements_as_one_send(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    await befriend(client, alice, carol)
    ours = await open_dm(client, alice, bob)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [carol.id]}, headers=alice.headers
    )
    group_id = group.json()["id"]
    first = (await send(client, bob, ours, "hello"))["id"]
    one = [Draft(alice.id, ours, "reply", first)]
    many = [
        Draft(alice.id, ours, "one", first),
        Draft(bob.id, ours, "two"),
        Draft(carol.id, ours, "not a member"),
        Draft(carol.id, group_id, "three"),
        Draft(alice.id, group_id, "bad reply", first),
        Draft(alice.id, group_id, "four"),
    ]
    checks, inserts = [], []
    for drafts in (one, many):
        async with runtime.db.unit_of_work() as session:
            with count_statements(runtime) as statements:
                outcomes = await send_messages(session, runtime.settings, drafts)
        checks.append([s for s in statements if not s.startswith("INSERT")])
        inserts.append([s for s in statements if s.startswith("INSERT")])
    assert len(checks[0]) == len(checks[1]), checks
    if ON_POSTGRES:  # SQLite returns inserted rows in order only one statement per row
        assert len(inserts[0]) == len(inserts[1]) == 1, "\n".join(inserts[1])
    kinds = [type(o) if isinstance(o, ParleyError) else Message for o in outcomes]
    assert kinds == [Message, Message, ChannelNotFound, Message, MessageNotFound, Message]
    stored = [o for o in outcomes if isinstance(o, Message)]
    assert [m.id for m in stored] == sorted(m.id for m in stored)  # ids follow arrival


async def test_a_draft_the_database_refuses_fails_alone(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    outcomes = await asyncio.gather(
        runtime.messages.send(Draft(alice.id, channel_id, "before")),
        runtime.messages.send(Draft(alice.id, 2**70, "out of every integer column's range")),
        runtime.messages.send(Draft(bob.id, channel_id, "after")),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], Message)
    assert isinstance(outcomes[1], Exception)
    assert isinstance(outcomes[2], Message)
    assert sorted(await messages_in(client, alice, channel_id)) == ["after", "before"]


async def test_a_block_refuses_the_dm_but_not_a_group(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    await befriend(client, alice, bob)
    dm = await open_dm(client, alice, bob)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id]}, headers=alice.headers
    )
    await client.post("/v1/blocks", json={"user_id": alice.id}, headers=bob.headers)
    with pytest.raises(Blocked):
        await runtime.messages.send(Draft(alice.id, dm, "blocked"))
    stored = await runtime.messages.send(Draft(alice.id, group.json()["id"], "to the group"))
    assert stored.content == "to the group"
