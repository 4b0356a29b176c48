"""DiscordApi and the native API are two views of the same accounts, sessions and channels."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.mail import code_in, last_mail


async def test_a_private_chat_is_the_native_direct_channel(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    started = await client.post(
        "/private/start-chat/", json={"recipient_id": bob.id}, headers=alice.headers
    )
    chat_id = started.json()["chat_id"]
    native = await client.get("/v1/channels", headers=bob.headers)
    channel = next(c for c in native.json()["items"] if c["id"] == chat_id)
    assert channel["kind"] == "dm"
    opened = await client.post(
        "/v1/channels/direct", json={"user_id": alice.id}, headers=bob.headers
    )
    assert opened.status_code == 200
    assert opened.json()["id"] == chat_id
    await client.post(
        f"/private/add-message/{chat_id}/", json={"text": "from the dialect"}, headers=alice.headers
    )
    native_messages = await client.get(f"/v1/channels/{chat_id}/messages", headers=bob.headers)
    assert native_messages.status_code == 200, native_messages.text
    items = native_messages.json()["items"]
    assert items[0]["content"] == "from the dialect"
    sent = await client.post(
        f"/v1/channels/{chat_id}/messages",
        json={"content": "from native", "reply_to_id": items[0]["id"]},
        headers=bob.headers,
    )
    assert sent.status_code == 201, sent.text
    seen = await client.get(
        f"/private/{chat_id}/messages", params={"limit": 1, "offset": 0}, headers=alice.headers
    )
    assert seen.json()[0]["text"] == "from native"
    assert seen.json()[0]["answer"] == items[0]["id"]
    assert seen.json()[0]["message_owner"]["id"] == bob.id


async def test_a_native_user_signs_in_through_discordapi(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    who = await new_account(client, "dnat")
    body = {"email": who.email, "password": PASSWORD, "client_fingerprint": "native-user-pc"}
    challenged = await client.post("/auth/login/", json=body)
    assert challenged.json()["detail"].startswith("Confirmation code send to: ")
    code = code_in(await last_mail(data_dir, who.email, "device"))
    confirmed = await client.post(
        "/auth/confirm_device_and_login/",
        json={"email": who.email, "password": PASSWORD, "confirmation_code": code},
    )
    token = confirmed.json()["token"]
    me = await client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == who.id
    sessions = await client.get("/v1/sessions", headers=who.headers)
    assert len(sessions.json()) == 2  # the native session and the DiscordApi one
    # a native token works on the dialect, and logging the dialect session out ends it there
    assert (await client.get("/private/chat-list/", headers=who.headers)).status_code == 200
    await client.post("/v1/auth/logout", headers={"Authorization": token})
    assert (
        await client.get("/private/chat-list/", headers={"Authorization": token})
    ).status_code == 401
