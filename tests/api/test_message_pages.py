"""History pages are built as plain rows and dicts, not through the wire models (issue #20):
each item is still exactly what MessageRead makes of the message, the send and edit answers
and the gateway's MESSAGE_CREATE agree with it, and a page sends the same statements however
many messages, reactions and files it holds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from parley.messaging.schemas import MessageRead, MessagesPage
from parley.runtime import Runtime
from tests.support.accounts import Account, new_account
from tests.support.images import image_bytes
from tests.support.social import EventLog, open_group, send
from tests.support.statements import count_statements


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


async def uploaded(client: httpx.AsyncClient, who: Account, channel_id: int, name: str) -> int:
    response = await client.post(
        f"/v1/channels/{channel_id}/attachments",
        files={"file": (name, image_bytes(), "image/png")},
        headers=who.headers,
    )
    assert response.status_code == 201, response.text
    upload_id: int = response.json()["id"]
    return upload_id


async def react(client: httpx.AsyncClient, who: Account, channel_id: int, message_id: int) -> None:
    url = f"/v1/channels/{channel_id}/messages/{message_id}/reactions/%F0%9F%91%8D"
    assert (await client.put(url, headers=who.headers)).status_code == 204


async def page(
    client: httpx.AsyncClient, who: Account, channel_id: int, **params: int
) -> dict[str, Any]:
    response = await client.get(
        f"/v1/channels/{channel_id}/messages", params=params, headers=who.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


async def test_page_items_are_what_message_read_makes_of_them(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    channel_id = await open_group(client, alice, bob)
    mark = event_log.mark()
    plain = await send(client, alice, channel_id, "plain")
    named = await send(client, alice, channel_id, f"hi @{bob.username}", reply_to_id=plain["id"])
    file_id = await uploaded(client, alice, channel_id, "photo.png")
    with_file = await send(client, alice, channel_id, "", attachment_ids=[file_id])
    edited = await client.patch(
        f"/v1/channels/{channel_id}/messages/{named['id']}",
        json={"content": f"hello @{bob.username}"},
        headers=alice.headers,
    )
    assert edited.status_code == 200, edited.text
    gone = await send(client, bob, channel_id, "to be deleted")
    url = f"/v1/channels/{channel_id}/messages/{gone['id']}"
    assert (await client.delete(url, headers=bob.headers)).status_code == 204
    await react(client, alice, channel_id, plain["id"])
    await react(client, bob, channel_id, plain["id"])
    await react(client, alice, channel_id, with_file["id"])

    body = await page(client, bob, channel_id)
    assert MessagesPage.model_validate(body).model_dump(mode="json") == body
    items = {item["id"]: item for item in body["items"]}
    for item in items.values():
        assert MessageRead.model_validate(item).model_dump(mode="json") == item
    assert items[plain["id"]]["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    assert items[with_file["id"]]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
    assert items[named["id"]]["mention_ids"] == [bob.id]
    assert items[gone["id"]]["content"] is None
    assert items[gone["id"]]["deleted_at"] is not None
    # the answers of the send and the edit went through MessageRead
    assert {**with_file, "reactions": items[with_file["id"]]["reactions"]} == items[with_file["id"]]
    assert edited.json() == items[named["id"]]
    # the gateway's MESSAGE_CREATE: the same message without reactions
    created = {data["id"]: data for data in event_log.to(mark, bob.id, "message.created")}
    for message in (plain, with_file):
        without = {k: v for k, v in items[message["id"]].items() if k != "reactions"}
        assert created[message["id"]] == without


async def test_a_page_sends_the_same_statements_however_full(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    channel_id = await open_group(client, alice, bob, carol)
    ids = []
    for n in range(12):
        message = await send(client, alice, channel_id, f"m{n}")
        ids.append(message["id"])
        for who in (alice, bob, carol)[: n % 3 + 1]:
            await react(client, who, channel_id, message["id"])
    for n in range(3):
        file_id = await uploaded(client, bob, channel_id, f"p{n}.png")
        ids.append((await send(client, bob, channel_id, "", attachment_ids=[file_id]))["id"])
    await page(client, carol, channel_id, limit=1)  # the token's session is checked once

    cases = {
        "newest": {"limit": 2},
        "newest, full": {"limit": 100},
        "before": {"limit": 2, "before": ids[8]},
        "before, full": {"limit": 100, "before": ids[-1]},
        "after": {"limit": 2, "after": ids[3]},
        "between": {"limit": 100, "after": ids[0], "before": ids[-1]},
        "around": {"limit": 6, "around": ids[6]},
    }
    counts = {}
    for name, params in cases.items():
        with count_statements(runtime) as statements:
            body = await page(client, carol, channel_id, **params)
        assert body["items"], name
        counts[name] = len(statements)
    # the page (with its probes and the membership check), reactions, attachments; `around`:
    # the membership check and two halves
    assert counts == {name: 5 if name == "around" else 3 for name in cases}
