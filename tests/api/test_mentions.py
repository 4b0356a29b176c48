"""Mentions through the native API and the message writer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from parley.messaging.send import Draft, send_messages
from parley.models import Message
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import Account, new_account
from tests.support.social import EventLog, befriend, open_dm, send
from tests.support.statements import count_statements


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


async def group_of(client: httpx.AsyncClient, owner: Account, *members: Account) -> int:
    for member in members:
        await befriend(client, owner, member)
    created = await client.post(
        "/v1/channels",
        json={"name": "team", "member_ids": [m.id for m in members]},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    channel_id: int = created.json()["id"]
    return channel_id


async def mention_count(client: httpx.AsyncClient, who: Account, channel_id: int) -> int:
    channel = await client.get(f"/v1/channels/{channel_id}", headers=who.headers)
    count: int = channel.json()["mention_count"]
    listed = (await client.get("/v1/channels", headers=who.headers)).json()["items"]
    assert next(c for c in listed if c["id"] == channel_id)["mention_count"] == count
    return count


async def test_usernames_of_members_are_mentions_stored_counted_and_announced(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    carol = await new_account(client, "carol")
    outsider = await new_account(client, "outsider")
    channel_id = await group_of(client, alice, bob, carol)
    mark = event_log.mark()
    text = (
        f"hi @{carol.username.upper()} and @{alice.username}. "
        f"not @{outsider.username}, not mail@{bob.username}, not @nobody_here"
    )
    sent = await send(client, bob, channel_id, text)
    assert sent["mention_ids"] == sorted([alice.id, carol.id])
    assert sent["mention_everyone"] is False
    created = event_log.to(mark, carol.id, "message.created")[0]
    assert created["mention_ids"] == sent["mention_ids"]
    for who in (alice, carol):
        assert event_log.to(mark, who.id, "mention.created") == [
            {
                "channel_id": channel_id,
                "message_id": sent["id"],
                "author_id": bob.id,
                "everyone": False,
            }
        ]
    assert event_log.to(mark, outsider.id) == []
    assert event_log.to(mark, bob.id, "mention.created") == []
    assert await mention_count(client, carol, channel_id) == 1
    assert await mention_count(client, bob, channel_id) == 0
    await send(client, bob, channel_id, f"again @{carol.username}")
    assert await mention_count(client, carol, channel_id) == 2
    history = (
        await client.get(f"/v1/channels/{channel_id}/messages", headers=carol.headers)
    ).json()
    assert history["items"][-1]["mention_ids"] == sent["mention_ids"]
    newest = history["items"][0]["id"]
    await client.post(
        f"/v1/channels/{channel_id}/read", json={"message_id": newest}, headers=carol.headers
    )
    assert await mention_count(client, carol, channel_id) == 0


async def test_everyone_is_the_owners_by_default(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    carol = await new_account(client, "carol")
    channel_id = await group_of(client, alice, bob, carol)
    mark = event_log.mark()
    by_member = await send(client, bob, channel_id, "@everyone look")
    assert by_member["mention_everyone"] is False
    assert event_log.since(mark, "mention.created") == []
    by_owner = await send(client, alice, channel_id, f"@everyone and @{bob.username}")
    assert by_owner["mention_everyone"] is True
    assert by_owner["mention_ids"] == [bob.id]
    (event,) = event_log.since(mark, "mention.created")
    assert sorted(event.payload["user_ids"]) == sorted([bob.id, carol.id])
    assert event.payload["data"]["everyone"] is True
    assert await mention_count(client, carol, channel_id) == 1
    assert await mention_count(client, bob, channel_id) == 1
    # in a direct channel @everyone means nothing
    dm = await open_dm(client, alice, bob)
    assert (await send(client, alice, dm, "@everyone"))["mention_everyone"] is False


async def test_everyone_can_be_opened_to_all_members(
    make_settings: Callable[..., Settings],
) -> None:
    async for app in running_app(make_settings(mention_everyone="members")):
        async with asgi_client(app) as client:
            owner = await new_account(client, "owner")
            member = await new_account(client, "member")
            other = await new_account(client, "other")
            channel_id = await group_of(client, owner, member, other)
            sent = await send(client, member, channel_id, "@everyone hi")
            assert sent["mention_everyone"] is True
            assert await mention_count(client, other, channel_id) == 1
            assert await mention_count(client, owner, channel_id) == 1


async def test_blocked_members_and_non_members_are_not_mentioned(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    carol = await new_account(client, "carol")
    channel_id = await group_of(client, alice, bob, carol)
    await client.post("/v1/blocks", json={"user_id": bob.id}, headers=carol.headers)
    mark = event_log.mark()
    sent = await send(client, bob, channel_id, f"@{carol.username} @{alice.username}")
    assert sent["mention_ids"] == [alice.id]
    assert event_log.to(mark, carol.id) == []
    assert await mention_count(client, carol, channel_id) == 0
    # a DM partner who blocked you is not reached at all
    dm = await open_dm(client, alice, carol)
    await client.post("/v1/blocks", json={"user_id": alice.id}, headers=carol.headers)
    refused = await client.post(
        f"/v1/channels/{dm}/messages",
        json={"content": f"@{carol.username}"},
        headers=alice.headers,
    )
    assert refused.status_code == 403


async def test_mentions_add_no_statement_per_message(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    members = [await new_account(client, "m") for _ in range(6)]
    channel_id = await group_of(client, alice, bob, *members)
    names = " ".join(f"@{m.username}" for m in members)
    plain = [Draft(alice.id, channel_id, "hello")]
    mentioning = [Draft(alice.id, channel_id, names), Draft(bob.id, channel_id, f"{names} @x")]
    counts = []
    for drafts in (plain, mentioning, mentioning * 4):
        async with runtime.db.unit_of_work() as session:
            with count_statements(runtime) as statements:
                outcomes = await send_messages(session, runtime.settings, drafts)
        assert all(isinstance(o, Message) for o in outcomes)
        counts.append(len([s for s in statements if not s.startswith("INSERT INTO message ")]))
    # the mentions cost one insert per batch, whatever the batch holds (the names come with
    # the channels and their members)
    assert counts[1] == counts[2] == counts[0] + 1, counts
