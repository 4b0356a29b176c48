"""DiscordApi seed (000) functions 8-12: private chats over Parley's direct channels."""

from __future__ import annotations

import httpx

from tests.support.accounts import Account, new_account


async def start(client: httpx.AsyncClient, who: Account, other: Account) -> int:
    response = await client.post(
        "/private/start-chat/", json={"recipient_id": other.id}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    chat_id: int = response.json()["chat_id"]
    return chat_id


def owner(who: Account) -> dict[str, object]:
    return {"id": who.id, "username": who.username, "avatar_url": None}


async def test_start_chat_returns_the_same_chat_for_the_pair(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    chat_id = await start(client, alice, bob)
    assert await start(client, alice, bob) == chat_id
    assert await start(client, bob, alice) == chat_id
    no_slash = await client.post(
        "/private/start-chat", json={"recipient_id": bob.id}, headers=alice.headers
    )
    assert no_slash.json() == {"chat_id": chat_id}


async def test_start_chat_errors(client: httpx.AsyncClient, alice: Account) -> None:
    body = {"recipient_id": alice.id}
    assert (await client.post("/private/start-chat/", json=body)).status_code == 401
    myself = await client.post("/private/start-chat/", json=body, headers=alice.headers)
    assert myself.status_code == 400
    nobody = await client.post(
        "/private/start-chat/", json={"recipient_id": 10**12}, headers=alice.headers
    )
    assert nobody.status_code == 400
    assert isinstance(nobody.json()["detail"], str)
    bad = await client.post(
        "/private/start-chat/", json={"recipient_id": "x"}, headers=alice.headers
    )
    assert bad.status_code == 422


async def test_messages_newest_first_with_limit_offset_and_answer(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    chat_id = await start(client, alice, bob)
    for n, who in enumerate([alice, bob, alice]):
        added = await client.post(
            f"/private/add-message/{chat_id}/", json={"text": f"m{n}"}, headers=who.headers
        )
        assert added.status_code == 200
        assert added.json() == {"detail": "Success add."}
    page = await client.get(
        f"/private/{chat_id}/messages", params={"limit": 50, "offset": 0}, headers=bob.headers
    )
    assert page.status_code == 200
    items = page.json()
    assert [m["text"] for m in items] == ["m2", "m1", "m0"]
    assert items[0] == {
        "id": items[0]["id"],
        "text": "m2",
        "answer": None,
        "message_answer_id": None,
        "chat_id": chat_id,
        "message_owner": owner(alice),
    }
    assert items[1]["message_owner"] == owner(bob)
    reply = await client.post(
        f"/private/add-message/{chat_id}",
        json={"text": "re m1", "answer": items[1]["id"]},
        headers=bob.headers,
    )
    assert reply.status_code == 200
    sliced = await client.get(
        f"/private/{chat_id}/messages/", params={"limit": 2, "offset": 1}, headers=alice.headers
    )
    assert [m["text"] for m in sliced.json()] == ["m2", "m1"]
    newest = await client.get(
        f"/private/{chat_id}/messages", params={"limit": 1, "offset": 0}, headers=alice.headers
    )
    assert newest.json()[0]["answer"] == items[1]["id"]
    assert newest.json()[0]["message_answer_id"] == items[1]["id"]
    assert newest.json()[0]["text"] == "re m1"
    # the original's field name for the reply works too
    original = await client.post(
        f"/private/add-message/{chat_id}/",
        json={"text": "re m0", "message_answer_id": items[2]["id"]},
        headers=alice.headers,
    )
    assert original.status_code == 200
    latest = await client.get(
        f"/private/{chat_id}/messages", params={"limit": 1, "offset": 0}, headers=bob.headers
    )
    assert latest.json()[0]["answer"] == latest.json()[0]["message_answer_id"] == items[2]["id"]


async def test_messages_and_add_message_errors(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    chat_id = await start(client, alice, bob)
    url = f"/private/{chat_id}/messages"
    params = {"limit": 10, "offset": 0}
    assert (await client.get(url, params=params)).status_code == 401
    assert (await client.get(url, headers=alice.headers)).status_code == 422
    for bad in (
        {"limit": 0, "offset": 0},
        {"limit": 10, "offset": -1},
        {"limit": 1000, "offset": 0},
    ):
        response = await client.get(url, params=bad, headers=alice.headers)
        assert response.status_code == 400, bad
    add = f"/private/add-message/{chat_id}/"
    assert (await client.post(add, json={"text": "hi"})).status_code == 401
    assert (await client.post(add, json={"text": " "}, headers=alice.headers)).status_code == 400
    assert (await client.post(add, json={}, headers=alice.headers)).status_code == 422
    foreign = await client.post(add, json={"text": "x", "answer": 10**12}, headers=alice.headers)
    assert foreign.status_code == 400
    missing_chat = await client.get(
        "/private/999999999999/messages", params=params, headers=alice.headers
    )
    assert missing_chat.status_code == 400


async def test_non_members_get_400_everywhere(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    chat_id = await start(client, alice, bob)
    mallory = await new_account(client, "mallory")
    params = {"limit": 10, "offset": 0}
    # the seed lists 400 for these endpoints, and the original answers 400
    read = await client.get(f"/private/{chat_id}/messages", params=params, headers=mallory.headers)
    assert read.status_code == 400
    assert read.json() == {"detail": "You are not a member of this chat"}
    info = await client.get(f"/private/{chat_id}/info/", headers=mallory.headers)
    assert info.status_code == 400
    write = await client.post(
        f"/private/add-message/{chat_id}/", json={"text": "sneaky"}, headers=mallory.headers
    )
    assert write.status_code == 400
    chats = await client.get("/private/chat-list/", headers=mallory.headers)
    assert chats.json() == []
    page = await client.get(f"/private/{chat_id}/messages", params=params, headers=bob.headers)
    assert "sneaky" not in [m["text"] for m in page.json()]


async def test_info_and_chat_list(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    carol = await new_account(client, "carol")
    first = await start(client, alice, bob)
    second = await start(client, carol, alice)
    info = await client.get(f"/private/{first}/info/", headers=bob.headers)
    assert info.status_code == 200
    body = info.json()
    assert body["id"] == first
    assert {body["chat_starter"]["id"], body["chat_recipient"]["id"]} == {alice.id, bob.id}
    assert set(body["chat_starter"]) == {"id", "username", "avatar_url"}
    assert (await client.get(f"/private/{first}/info", headers=alice.headers)).json() == body
    assert (await client.get(f"/private/{first}/info/")).status_code == 401
    missing = await client.get("/private/999999999999/info/", headers=alice.headers)
    assert missing.status_code == 400
    assert (await client.get("/private/x/info/", headers=alice.headers)).status_code == 422
    await client.post(f"/private/add-message/{first}/", json={"text": "x"}, headers=bob.headers)
    listed = await client.get("/private/chat-list/", headers=alice.headers)
    assert listed.status_code == 200
    assert listed.json() == [{"id": second}, {"id": first}]  # newest chat first
    assert (await client.get("/private/chat-list", headers=carol.headers)).json() == [
        {"id": second}
    ]
    assert (await client.get("/private/chat-list/")).status_code == 401


async def test_group_channels_are_not_private_chats(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await start(client, alice, bob)
    group = await client.post("/v1/channels", json={"name": "g"}, headers=alice.headers)
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    info = await client.get(f"/private/{group_id}/info/", headers=alice.headers)
    assert info.status_code == 400
    listed = await client.get("/private/chat-list/", headers=alice.headers)
    assert {"id": group_id} not in listed.json()
