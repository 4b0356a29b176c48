"""Channels, messages and read state through the native API."""

from __future__ import annotations

import base64

import httpx
import pytest

from parley.runtime import Runtime
from tests.support.accounts import Account, new_account
from tests.support.social import EventLog, befriend, open_dm, send


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


async def test_direct_channel_is_one_per_pair(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    mark = event_log.mark()
    first = await client.post(
        "/v1/channels/direct", json={"user_id": bob.id}, headers=alice.headers
    )
    assert first.status_code == 201
    body = first.json()
    assert body["kind"] == "dm"
    assert body["other_user"]["id"] == bob.id
    assert body["member_count"] == 2
    again = await client.post(
        "/v1/channels/direct", json={"user_id": alice.id}, headers=bob.headers
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["other_user"]["id"] == alice.id
    created = event_log.since(mark, "channel.created")
    assert len(created) == 1
    assert sorted(created[0].payload["user_ids"]) == sorted([alice.id, bob.id])


async def test_direct_channel_validation(client: httpx.AsyncClient, alice: Account) -> None:
    own = await client.post(
        "/v1/channels/direct", json={"user_id": alice.id}, headers=alice.headers
    )
    assert own.status_code == 400
    nobody = await client.post(
        "/v1/channels/direct", json={"user_id": 10**12}, headers=alice.headers
    )
    assert nobody.status_code == 404


async def test_messages_send_reply_edit_delete(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    channel_id = await open_dm(client, alice, bob)
    mark = event_log.mark()
    first = await send(client, alice, channel_id, "hello")
    assert event_log.to(mark, bob.id, "message.created")[0]["content"] == "hello"
    reply = await send(client, bob, channel_id, "hi!", reply_to_id=first["id"])
    assert reply["reply_to_id"] == first["id"]
    edited = await client.patch(
        f"/v1/channels/{channel_id}/messages/{first['id']}",
        json={"content": "hello there"},
        headers=alice.headers,
    )
    assert edited.status_code == 200
    assert edited.json()["content"] == "hello there"
    assert edited.json()["edited_at"] is not None
    assert event_log.to(mark, bob.id, "message.updated")[0]["content"] == "hello there"
    not_author = await client.patch(
        f"/v1/channels/{channel_id}/messages/{first['id']}",
        json={"content": "mine now"},
        headers=bob.headers,
    )
    assert not_author.status_code == 403
    assert (
        await client.delete(
            f"/v1/channels/{channel_id}/messages/{first['id']}", headers=bob.headers
        )
    ).status_code == 403
    assert (
        await client.delete(
            f"/v1/channels/{channel_id}/messages/{first['id']}", headers=alice.headers
        )
    ).status_code == 204
    assert event_log.to(mark, bob.id, "message.deleted") == [
        {"id": first["id"], "channel_id": channel_id}
    ]
    listed = await client.get(f"/v1/channels/{channel_id}/messages", headers=bob.headers)
    page = listed.json()["items"]
    assert [m["id"] for m in page] == [reply["id"], first["id"]]
    assert page[1]["content"] is None
    assert page[1]["deleted_at"] is not None
    gone = await client.patch(
        f"/v1/channels/{channel_id}/messages/{first['id']}",
        json={"content": "x"},
        headers=alice.headers,
    )
    assert gone.status_code == 404


async def test_message_content_rules(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    url = f"/v1/channels/{channel_id}/messages"
    assert (
        await client.post(url, json={"content": "x" * 4000}, headers=alice.headers)
    ).status_code == 201
    for content in ("x" * 4001, "   "):
        response = await client.post(url, json={"content": content}, headers=alice.headers)
        assert response.status_code == 400
    empty = await client.post(url, json={}, headers=alice.headers)  # no text, no files
    assert empty.status_code == 400
    assert empty.json()["error"]["code"] == "invalid_content"
    other_channel = await open_dm(client, alice, await new_account(client, "c"))
    foreign = await send(client, alice, other_channel, "elsewhere")
    reply = await client.post(
        url, json={"content": "re", "reply_to_id": foreign["id"]}, headers=alice.headers
    )
    assert reply.status_code == 404


async def test_group_owner_and_members(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    carol = await new_account(client, "carol")
    dave = await new_account(client, "dave")
    for friend in (bob, carol, dave):
        await befriend(client, alice, friend)
    created = await client.post(
        "/v1/channels",
        json={"name": "team", "member_ids": [bob.id, carol.id]},
        headers=alice.headers,
    )
    assert created.status_code == 201
    channel = created.json()
    channel_id = channel["id"]
    assert (channel["kind"], channel["owner_id"], channel["member_count"]) == ("group", alice.id, 3)
    stranger = await client.post(
        "/v1/channels", json={"name": "x", "member_ids": [bob.id, 10**12]}, headers=carol.headers
    )
    assert stranger.status_code == 403
    renamed = await client.patch(
        f"/v1/channels/{channel_id}", json={"name": "crew"}, headers=alice.headers
    )
    assert renamed.json()["name"] == "crew"
    assert (
        await client.patch(f"/v1/channels/{channel_id}", json={"name": "mine"}, headers=bob.headers)
    ).status_code == 403
    mark = event_log.mark()
    added = await client.post(
        f"/v1/channels/{channel_id}/members", json={"user_id": dave.id}, headers=alice.headers
    )
    assert added.status_code == 201
    assert event_log.to(mark, bob.id, "channel.member_added")[0]["user"]["id"] == dave.id
    again = await client.post(
        f"/v1/channels/{channel_id}/members", json={"user_id": dave.id}, headers=alice.headers
    )
    assert again.status_code == 409
    not_owner = await client.post(
        f"/v1/channels/{channel_id}/members", json={"user_id": dave.id}, headers=bob.headers
    )
    assert not_owner.status_code == 403
    members = (await client.get(f"/v1/channels/{channel_id}/members", headers=dave.headers)).json()
    assert [m["user"]["id"] for m in members] == [alice.id, bob.id, carol.id, dave.id]
    # bob's message can be deleted by the owner
    message = await send(client, bob, channel_id, "from bob")
    assert (
        await client.delete(
            f"/v1/channels/{channel_id}/messages/{message['id']}", headers=alice.headers
        )
    ).status_code == 204
    # carol leaves; the owner removes dave; dave no longer sees the channel
    assert (
        await client.delete(f"/v1/channels/{channel_id}/members/{carol.id}", headers=carol.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/v1/channels/{channel_id}/members/{dave.id}", headers=bob.headers)
    ).status_code == 403
    assert (
        await client.delete(f"/v1/channels/{channel_id}/members/{dave.id}", headers=alice.headers)
    ).status_code == 204
    assert (await client.get(f"/v1/channels/{channel_id}", headers=dave.headers)).status_code == 404
    # the owner leaves: bob owns it now
    mark = event_log.mark()
    assert (
        await client.delete(f"/v1/channels/{channel_id}/members/{alice.id}", headers=alice.headers)
    ).status_code == 204
    assert (await client.get(f"/v1/channels/{channel_id}", headers=bob.headers)).json()[
        "owner_id"
    ] == bob.id
    assert event_log.to(mark, alice.id, "channel.member_removed")
    assert (
        await client.delete(f"/v1/channels/{channel_id}", headers=bob.headers)
    ).status_code == 204
    assert event_log.to(mark, bob.id, "channel.deleted") == [{"id": channel_id}]
    assert (await client.get(f"/v1/channels/{channel_id}", headers=bob.headers)).status_code == 404


async def test_group_size_is_capped(
    client: httpx.AsyncClient, alice: Account, make_settings: object
) -> None:
    friends = [await new_account(client, "g") for _ in range(3)]
    for friend in friends:
        await befriend(client, alice, friend)
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    original = runtime.settings.group_max_members
    runtime.settings.group_max_members = 3
    try:
        too_many = await client.post(
            "/v1/channels",
            json={"name": "big", "member_ids": [f.id for f in friends]},
            headers=alice.headers,
        )
        assert too_many.status_code == 409
        ok = await client.post(
            "/v1/channels",
            json={"name": "ok", "member_ids": [f.id for f in friends[:2]]},
            headers=alice.headers,
        )
        full = await client.post(
            f"/v1/channels/{ok.json()['id']}/members",
            json={"user_id": friends[2].id},
            headers=alice.headers,
        )
        assert full.status_code == 409
    finally:
        runtime.settings.group_max_members = original


async def test_dm_delete_is_not_allowed(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    assert (
        await client.delete(f"/v1/channels/{channel_id}", headers=alice.headers)
    ).status_code == 400


async def test_keyset_paging_before_after_around(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    ids = [(await send(client, alice, channel_id, f"m{i}"))["id"] for i in range(9)]
    url = f"/v1/channels/{channel_id}/messages"

    async def page(**params: int) -> tuple[list[int], int | None, int | None]:
        response = await client.get(url, params=params, headers=bob.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return [m["id"] for m in body["items"]], body["next_before"], body["next_after"]

    assert await page(limit=3) == (ids[::-1][:3], ids[6], None)
    assert await page(limit=3, before=ids[6]) == ([ids[5], ids[4], ids[3]], ids[3], ids[5])
    assert await page(limit=3, after=ids[2]) == ([ids[5], ids[4], ids[3]], ids[3], ids[5])
    assert await page(limit=4, around=ids[4]) == ([ids[6], ids[5], ids[4], ids[3]], ids[3], ids[6])
    assert await page(limit=3, before=ids[3]) == ([ids[2], ids[1], ids[0]], None, ids[2])
    assert await page(limit=3, after=ids[5]) == ([ids[8], ids[7], ids[6]], ids[6], None)
    assert await page(limit=100, after=ids[-1]) == ([], None, None)
    # following the cursors walks the whole history, both ways
    seen, cursor = [], None
    while True:
        got, cursor, _ = await page(limit=4, **({"before": cursor} if cursor else {}))
        seen += got
        if cursor is None:
            break
    assert seen == ids[::-1]
    for bad in (
        {"limit": 0},
        {"limit": 101},
        {"before": "x"},
        {"around": ids[1], "before": ids[3]},
    ):
        response = await client.get(url, params=bad, headers=bob.headers)
        assert response.status_code in (400, 422)


async def test_read_state_and_unread_counts(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    channel_id = await open_dm(client, alice, bob)
    sent = [await send(client, alice, channel_id, f"m{i}") for i in range(3)]
    listed = (await client.get("/v1/channels", headers=bob.headers)).json()["items"]
    mine = next(c for c in listed if c["id"] == channel_id)
    assert mine["unread_count"] == 3
    assert mine["last_message"]["id"] == sent[-1]["id"]
    assert mine["other_user"]["id"] == alice.id
    own_view = (await client.get(f"/v1/channels/{channel_id}", headers=alice.headers)).json()
    assert own_view["unread_count"] == 0
    mark = event_log.mark()
    read = await client.post(
        f"/v1/channels/{channel_id}/read", json={"message_id": sent[1]["id"]}, headers=bob.headers
    )
    assert read.json() == {"channel_id": channel_id, "last_read_message_id": sent[1]["id"]}
    events = event_log.since(mark, "read_state.updated")
    assert [e.payload["user_ids"] for e in events] == [[bob.id]]
    assert events[0].payload["data"]["session_id"] == bob.session_id
    assert (await client.get(f"/v1/channels/{channel_id}", headers=bob.headers)).json()[
        "unread_count"
    ] == 1
    unknown = await client.post(
        f"/v1/channels/{channel_id}/read", json={"message_id": 10**12}, headers=bob.headers
    )
    assert unknown.status_code == 404


async def test_channel_list_pages(client: httpx.AsyncClient, alice: Account) -> None:
    others = [await new_account(client, "p") for _ in range(3)]
    ids = [await open_dm(client, alice, other) for other in others]
    first = (await client.get("/v1/channels", params={"limit": 2}, headers=alice.headers)).json()
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    rest = (
        await client.get(
            "/v1/channels",
            params={"limit": 2, "before": first["next_cursor"]},
            headers=alice.headers,
        )
    ).json()
    assert [c["id"] for c in rest["items"]] == [ids[0]]
    assert rest["next_cursor"] is None


async def test_typing_reaches_the_other_members_only(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    channel_id = await open_dm(client, alice, bob)
    mark = event_log.mark()
    response = await client.post(f"/v1/channels/{channel_id}/typing", headers=alice.headers)
    assert response.status_code == 204
    events = event_log.since(mark, "typing.started")
    assert [e.payload["user_ids"] for e in events] == [[bob.id]]


async def test_non_members_see_nothing(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    eve = await new_account(client, "eve")
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "secret")
    mark = event_log.mark()
    base = f"/v1/channels/{channel_id}"
    attempts = [
        ("GET", base, None),
        ("PATCH", base, {"name": "x"}),
        ("DELETE", base, None),
        ("GET", f"{base}/members", None),
        ("POST", f"{base}/members", {"user_id": eve.id}),
        ("DELETE", f"{base}/members/{bob.id}", None),
        ("GET", f"{base}/key", None),
        ("GET", f"{base}/messages", None),
        ("GET", f"{base}/messages?around={message['id']}", None),
        ("POST", f"{base}/messages", {"content": "hi"}),
        ("PATCH", f"{base}/messages/{message['id']}", {"content": "x"}),
        ("DELETE", f"{base}/messages/{message['id']}", None),
        ("POST", f"{base}/read", {"message_id": message["id"]}),
        ("POST", f"{base}/typing", None),
    ]
    for method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=eve.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert "secret" not in response.text
        missing = await client.request(
            method, path.replace(str(channel_id), str(10**12)), json=body, headers=alice.headers
        )
        assert missing.status_code == 404, (method, path)
        unauthenticated = await client.request(method, path, json=body)
        assert unauthenticated.status_code == 401
    assert all(eve.id not in e.payload.get("user_ids", []) for e in event_log.since(mark))
    listed = (await client.get("/v1/channels", headers=eve.headers)).json()
    assert listed["items"] == []


async def test_encrypted_channel_takes_any_ciphertext_up_to_the_cap(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await befriend(client, alice, bob)
    keys = {str(alice.id): "a2V5LWZvci1hbGljZQ==", str(bob.id): "a2V5LWZvci1ib2I="}
    channel_id = await open_dm(client, alice, bob, encrypted_keys=keys)
    key = await client.get(f"/v1/channels/{channel_id}/key", headers=bob.headers)
    assert key.json() == {"channel_id": channel_id, "encrypted_key": keys[str(bob.id)]}
    ciphertext = base64.b64encode(b"\x00\x01 opaque bytes").decode()
    assert (await send(client, alice, channel_id, ciphertext))["content"] == ciphertext
    envelope = '{"iv": "q83vEjRWeJA=", "ct": "3q2+7w=="}'  # E2E libraries' formats differ
    assert (await send(client, alice, channel_id, envelope))["content"] == envelope
    assert (await send(client, alice, channel_id, "deadbeef"))["content"] == "deadbeef"
    ciphertext = base64.b64encode(b"the newest").decode()
    await send(client, alice, channel_id, ciphertext)
    url = f"/v1/channels/{channel_id}/messages"
    for bad in ("a\x00b", "x" * 20000):
        response = await client.post(url, json={"content": bad}, headers=alice.headers)
        assert response.status_code == 400, bad
    listed = (await client.get("/v1/channels", headers=bob.headers)).json()["items"]
    mine = next(c for c in listed if c["id"] == channel_id)
    assert mine["encrypted_key"] == keys[str(bob.id)]
    assert mine["last_message"]["content"] == ciphertext
    plain = await open_dm(client, alice, await new_account(client, "q"))
    assert (await client.get(f"/v1/channels/{plain}/key", headers=alice.headers)).status_code == 404


async def test_encrypted_channel_needs_a_key_per_member(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await client.post(
        "/v1/channels/direct",
        json={"user_id": bob.id, "encrypted_keys": {str(alice.id): "a2V5"}},
        headers=alice.headers,
    )
    assert response.status_code == 400


async def test_simultaneous_dm_creation_yields_one_channel(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    import asyncio

    mark = event_log.mark()
    calls = [
        client.post("/v1/channels/direct", json={"user_id": b.id}, headers=a.headers)
        for a, b in [(alice, bob), (bob, alice)] * 8
    ]
    responses = await asyncio.gather(*calls)
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert [r.status_code for r in responses].count(201) == 1
    assert len(event_log.since(mark, "channel.created")) == 1


async def test_group_events_skip_users_in_a_block_with_the_author(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    carol = await new_account(client, "carol")
    for friend in (bob, carol):
        await befriend(client, alice, friend)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id, carol.id]}, headers=alice.headers
    )
    channel_id = group.json()["id"]
    await client.post("/v1/blocks", json={"user_id": carol.id}, headers=alice.headers)
    mark = event_log.mark()
    message = await send(client, alice, channel_id, "not for carol")
    await client.post(f"/v1/channels/{channel_id}/typing", headers=alice.headers)
    await client.delete(
        f"/v1/channels/{channel_id}/messages/{message['id']}", headers=alice.headers
    )
    assert len(event_log.to(mark, bob.id)) == 3
    assert event_log.to(mark, carol.id) == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/channels/99999999999999999999", None),
        ("GET", "/v1/channels/1/messages?before=99999999999999999999", None),
        ("POST", "/v1/channels/direct", {"user_id": 99999999999999999999}),
        ("POST", "/v1/friends", {"user_id": 99999999999999999999}),
        ("POST", "/v1/channels/1/read", {"message_id": -1}),
        ("GET", "/v1/users/99999999999999999999/public-key", None),
        ("DELETE", "/v1/blocks/0", None),
    ],
)
async def test_out_of_range_ids_are_rejected_not_crashed(
    client: httpx.AsyncClient, alice: Account, method: str, path: str, body: object
) -> None:
    response = await client.request(method, path, json=body, headers=alice.headers)
    assert response.status_code == 422


async def test_nul_characters_are_rejected(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    sent = await client.post(
        f"/v1/channels/{channel_id}/messages", json={"content": "a\x00b"}, headers=alice.headers
    )
    assert sent.status_code == 400
    keys = {"public_key": "p\x00k", "encrypted_private_key": "e", "pin": "1234"}
    assert (
        await client.put("/v1/users/me/keys", json=keys, headers=alice.headers)
    ).status_code == 400


async def test_a_word_after_messages_is_not_taken_for_a_message_id(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    wrong = await client.patch(
        f"/v1/channels/{channel_id}/messages/words", json={"content": "x"}, headers=alice.headers
    )
    assert wrong.status_code == 404
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/v1/channels/{channel_id}/messages/{message_id}" in paths


async def test_search_under_a_channels_messages_is_a_route_not_a_message_id(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    await send(client, alice, channel_id, "findable words")
    found = await client.get(
        f"/v1/channels/{channel_id}/messages/search",
        params={"q": "findable"},
        headers=bob.headers,
    )
    assert found.status_code == 200, found.text
    assert [h["message"]["content"] for h in found.json()["items"]] == ["findable words"]
