"""Friends, friend requests and blocks through the native API."""

from __future__ import annotations

import httpx
import pytest

from parley.runtime import Runtime
from tests.support.accounts import Account, new_account
from tests.support.social import EventLog, befriend, open_dm, send


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


async def test_request_then_accept_makes_mutual_friends(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    mark = event_log.mark()
    sent = await client.post("/v1/friend-requests", json={"user_id": bob.id}, headers=alice.headers)
    assert sent.status_code == 201
    request_id = sent.json()["request"]["id"]
    assert event_log.to(mark, bob.id, "friend.request")[0]["from_user"]["id"] == alice.id
    incoming = (await client.get("/v1/friend-requests", headers=bob.headers)).json()
    assert [(r["id"], r["incoming"], r["user"]["id"]) for r in incoming] == [
        (request_id, True, alice.id)
    ]
    again = await client.post(
        "/v1/friend-requests", json={"user_id": bob.id}, headers=alice.headers
    )
    assert again.status_code == 409
    # alice cannot accept her own request
    own = await client.post(f"/v1/friend-requests/{request_id}/accept", headers=alice.headers)
    assert own.status_code == 404
    accepted = await client.post(f"/v1/friend-requests/{request_id}/accept", headers=bob.headers)
    assert accepted.status_code == 200
    assert accepted.json()["id"] == alice.id
    for me, other in ((alice, bob), (bob, alice)):
        friends = (await client.get("/v1/friends", headers=me.headers)).json()
        assert [f["user"]["id"] for f in friends["items"]] == [other.id]
        assert friends["items"][0]["channel_id"] is None
    assert event_log.to(mark, alice.id, "friend.added")[0]["user"]["id"] == bob.id
    assert event_log.to(mark, bob.id, "friend.added")[0]["user"]["id"] == alice.id
    assert (await client.get("/v1/friend-requests", headers=bob.headers)).json() == []


async def test_crossing_requests_become_a_friendship(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await client.post("/v1/friend-requests", json={"user_id": bob.id}, headers=alice.headers)
    back = await client.post("/v1/friend-requests", json={"user_id": alice.id}, headers=bob.headers)
    assert back.status_code == 201
    assert back.json() == {"request": None, "friends": True}


async def test_decline_and_cancel_remove_the_request(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    first = await client.post(
        "/v1/friend-requests", json={"user_id": bob.id}, headers=alice.headers
    )
    second = await client.post(
        "/v1/friend-requests", json={"user_id": carol.id}, headers=alice.headers
    )
    declined = first.json()["request"]["id"]
    cancelled = second.json()["request"]["id"]
    # a stranger can neither see nor delete them
    assert (
        await client.delete(f"/v1/friend-requests/{declined}", headers=carol.headers)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/friend-requests/{declined}", headers=bob.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/v1/friend-requests/{cancelled}", headers=alice.headers)
    ).status_code == 204
    assert (await client.get("/v1/friend-requests", headers=alice.headers)).json() == []
    assert (
        await client.post(f"/v1/friend-requests/{declined}/accept", headers=bob.headers)
    ).status_code == 404


async def test_request_validation(client: httpx.AsyncClient, alice: Account) -> None:
    to_self = await client.post(
        "/v1/friend-requests", json={"user_id": alice.id}, headers=alice.headers
    )
    assert to_self.status_code == 400
    missing = await client.post(
        "/v1/friend-requests", json={"user_id": 10**12}, headers=alice.headers
    )
    assert missing.status_code == 404
    bad = await client.post("/v1/friend-requests", json={"user_id": "x"}, headers=alice.headers)
    assert bad.status_code == 422


async def test_adding_a_friend_asks_them_first(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    mark = event_log.mark()
    asked = await client.post("/v1/friends", json={"user_id": bob.id}, headers=alice.headers)
    assert asked.status_code == 201
    assert asked.json()["friends"] is False
    assert asked.json()["request"]["user"]["id"] == bob.id
    assert event_log.to(mark, bob.id, "friend.request")[0]["from_user"]["id"] == alice.id
    assert event_log.since(mark, "friend.added") == []
    assert (await client.get("/v1/friends", headers=bob.headers)).json()["items"] == []
    assert (await client.get("/v1/friends", headers=alice.headers)).json()["items"] == []
    # not a friend yet: no group with bob
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id]}, headers=alice.headers
    )
    assert group.status_code == 403
    again = await client.post("/v1/friends", json={"user_id": bob.id}, headers=alice.headers)
    assert again.status_code == 409
    # bob adding alice back is his consent
    back = await client.post("/v1/friends", json={"user_id": alice.id}, headers=bob.headers)
    assert back.status_code == 201
    assert back.json() == {"request": None, "friends": True}
    friends = (await client.get("/v1/friends", headers=alice.headers)).json()["items"]
    assert [f["user"]["id"] for f in friends] == [bob.id]
    repeated = await client.post("/v1/friends", json={"user_id": alice.id}, headers=bob.headers)
    assert repeated.status_code == 409
    assert repeated.json()["error"]["code"] == "already_friends"
    assert (
        await client.post("/v1/friends", json={"user_id": 10**12}, headers=bob.headers)
    ).status_code == 404


async def test_friends_pages_with_cursor_and_channel_id(
    client: httpx.AsyncClient, alice: Account
) -> None:
    friends = [await new_account(client, "f") for _ in range(5)]
    for friend in friends:
        await befriend(client, alice, friend)
    channel_id = await open_dm(client, alice, friends[0])
    seen: list[int] = []
    channels: dict[int, int | None] = {}
    cursor = None
    while True:
        params = {"limit": 2} | ({"before": cursor} if cursor else {})
        page = (await client.get("/v1/friends", params=params, headers=alice.headers)).json()
        seen += [f["user"]["id"] for f in page["items"]]
        channels |= {f["user"]["id"]: f["channel_id"] for f in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f.id for f in reversed(friends)]
    assert channels[friends[0].id] == channel_id
    assert channels[friends[1].id] is None


async def test_remove_friend(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    await befriend(client, alice, bob)
    assert (await client.delete(f"/v1/friends/{bob.id}", headers=alice.headers)).status_code == 204
    assert (await client.get("/v1/friends", headers=bob.headers)).json()["items"] == []
    assert (await client.delete(f"/v1/friends/{bob.id}", headers=alice.headers)).status_code == 404


async def test_blocking_stops_requests_dms_and_events(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    await befriend(client, alice, bob)
    channel_id = await open_dm(client, alice, bob)
    mark = event_log.mark()
    blocked = await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    assert blocked.status_code == 201
    assert event_log.to(mark, bob.id) == []  # bob is not told
    assert (await client.get("/v1/friends", headers=alice.headers)).json()["items"] == []
    assert (await client.get("/v1/blocks", headers=alice.headers)).json()[0]["user"]["id"] == bob.id
    assert (await client.get("/v1/blocks", headers=bob.headers)).json() == []
    for who, target in ((bob, alice), (alice, bob)):
        request = await client.post(
            "/v1/friend-requests", json={"user_id": target.id}, headers=who.headers
        )
        assert request.status_code == 403
        add = await client.post("/v1/friends", json={"user_id": target.id}, headers=who.headers)
        assert add.status_code == 403
        message = await client.post(
            f"/v1/channels/{channel_id}/messages", json={"content": "hi"}, headers=who.headers
        )
        assert message.status_code == 403
        typing = await client.post(f"/v1/channels/{channel_id}/typing", headers=who.headers)
        assert typing.status_code == 403
    assert (
        await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    ).status_code == 409
    assert event_log.to(mark, bob.id) == []
    assert (await client.delete(f"/v1/blocks/{bob.id}", headers=bob.headers)).status_code == 404
    assert (await client.delete(f"/v1/blocks/{bob.id}", headers=alice.headers)).status_code == 204
    await send_ok(client, bob, channel_id)


async def send_ok(client: httpx.AsyncClient, who: Account, channel_id: int) -> None:
    response = await client.post(
        f"/v1/channels/{channel_id}/messages", json={"content": "back"}, headers=who.headers
    )
    assert response.status_code == 201


async def test_blocked_user_cannot_open_a_dm(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await client.post("/v1/blocks", json={"user_id": alice.id}, headers=bob.headers)
    response = await client.post(
        "/v1/channels/direct", json={"user_id": bob.id}, headers=alice.headers
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/friends"),
        ("POST", "/v1/friends"),
        ("DELETE", "/v1/friends/1"),
        ("GET", "/v1/friend-requests"),
        ("POST", "/v1/friend-requests"),
        ("POST", "/v1/friend-requests/1/accept"),
        ("DELETE", "/v1/friend-requests/1"),
        ("GET", "/v1/blocks"),
        ("POST", "/v1/blocks"),
        ("DELETE", "/v1/blocks/1"),
    ],
)
async def test_social_endpoints_need_a_token(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"user_id": 1})
    assert response.status_code == 401


async def test_a_blocked_user_cannot_edit_old_messages_in_the_dm(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    """Issue 13, item 11: the edit went through (200) and the blocker saw it."""
    channel_id = await open_dm(client, bob, alice)
    message = await send(client, bob, channel_id, "before the block")
    blocked = await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    assert blocked.status_code == 201
    path = f"/v1/channels/{channel_id}/messages/{message['id']}"
    edited = await client.patch(path, json={"content": "after the block"}, headers=bob.headers)
    assert edited.status_code == 403, edited.text
    history = await client.get(f"/v1/channels/{channel_id}/messages", headers=alice.headers)
    assert [m["content"] for m in history.json()["items"]] == ["before the block"]
