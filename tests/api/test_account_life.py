"""Exporting your data and deleting your account through the native API."""

from __future__ import annotations

import httpx
import pytest

from parley.runtime import Runtime
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.social import EventLog, befriend, open_dm, send


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


async def test_export_holds_the_account_its_friends_channels_and_messages(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    await befriend(client, alice, bob)
    await client.post("/v1/blocks", json={"user_id": carol.id}, headers=alice.headers)
    channel_id = await open_dm(client, alice, bob)
    mine = await send(client, alice, channel_id, "my words")
    await send(client, bob, channel_id, "bob's words")
    await client.put(
        f"/v1/channels/{channel_id}/messages/{mine['id']}/reactions/ok", headers=alice.headers
    )
    response = await client.get("/v1/users/me/export", headers=alice.headers)
    assert response.status_code == 200
    data = response.json()
    assert data["user"]["username"] == alice.username
    assert data["user"]["email"] == alice.email
    assert [s["id"] for s in data["sessions"]] == [alice.session_id]
    assert [f["id"] for f in data["friends"]] == [bob.id]
    assert [b["id"] for b in data["blocked"]] == [carol.id]
    assert [c["id"] for c in data["channels"]] == [channel_id]
    assert [m["content"] for m in data["messages"]] == ["my words"]
    assert data["reactions"] == [
        {"message_id": mine["id"], "emoji": "ok", "created_at": data["reactions"][0]["created_at"]}
    ]
    assert (await client.get("/v1/users/me/export")).status_code == 401
    # bob's export holds none of alice's words
    theirs = (await client.get("/v1/users/me/export", headers=bob.headers)).json()
    assert [m["content"] for m in theirs["messages"]] == ["bob's words"]


async def test_deleting_your_account_erases_it_and_tombstones_your_messages(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    carol = await new_account(client, "carol")
    await befriend(client, alice, bob)
    await befriend(client, alice, carol)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id, carol.id]}, headers=alice.headers
    )
    group_id = group.json()["id"]
    dm = await open_dm(client, alice, bob)
    await send(client, alice, dm, "soon gone")
    await send(client, bob, dm, "stays")
    wrong = await client.request(
        "DELETE", "/v1/users/me", json={"password": "not my password"}, headers=alice.headers
    )
    assert wrong.status_code == 401
    mark = event_log.mark()
    deleted = await client.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=alice.headers
    )
    assert deleted.status_code == 204, deleted.text
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 401
    for login in (alice.username, alice.email, f"deleted-{alice.id}"):
        signed = await client.post("/v1/auth/login", json={"login": login, "password": PASSWORD})
        assert signed.status_code == 401
    history = (await client.get(f"/v1/channels/{dm}/messages", headers=bob.headers)).json()
    assert [(m["content"], m["deleted_at"] is not None) for m in history["items"]] == [
        ("stays", False),
        (None, True),
    ]
    assert (await client.get("/v1/friends", headers=bob.headers)).json()["items"] == []
    assert event_log.to(mark, bob.id, "friend.removed") == [{"user_id": alice.id}]
    members = (await client.get(f"/v1/channels/{group_id}/members", headers=bob.headers)).json()
    assert sorted(m["user"]["id"] for m in members) == sorted([bob.id, carol.id])
    channel = (await client.get(f"/v1/channels/{group_id}", headers=bob.headers)).json()
    assert channel["owner_id"] in (bob.id, carol.id)
    # the name is free again
    again = await client.post(
        "/v1/auth/register",
        json={"username": alice.username, "email": alice.email, "password": PASSWORD},
    )
    assert again.status_code == 201, again.text


async def test_deleting_needs_a_password_and_a_token(
    client: httpx.AsyncClient, alice: Account
) -> None:
    assert (
        await client.request("DELETE", "/v1/users/me", json={"password": PASSWORD})
    ).status_code == 401
    assert (
        await client.request("DELETE", "/v1/users/me", json={}, headers=alice.headers)
    ).status_code == 422
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 200
