"""Full-text search over messages through the native API (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

import secrets

import httpx
import pytest

from parley.messaging.search import fts5_query
from tests.conftest import ON_POSTGRES
from tests.support.accounts import Account, new_account
from tests.support.social import befriend, open_dm, send


async def search(
    client: httpx.AsyncClient, who: Account, q: str, channel_id: int | None = None, **params: int
) -> httpx.Response:
    url = f"/v1/channels/{channel_id}/messages/search" if channel_id else "/v1/messages/search"
    return await client.get(url, params={"q": q, **params}, headers=who.headers)


async def hits(
    client: httpx.AsyncClient, who: Account, q: str, channel_id: int | None = None, **params: int
) -> list[str]:
    response = await search(client, who, q, channel_id, **params)
    assert response.status_code == 200, response.text
    return [h["message"]["content"] for h in response.json()["items"]]


def word() -> str:
    """A word no other test's messages contain (search sees every channel of the user)."""
    return "zq" + secrets.token_hex(4).translate(str.maketrans("0123456789", "ghijklmnop"))


async def test_search_finds_stemmed_english_and_russian_words_newest_first(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    tag = word()
    await send(client, alice, channel_id, f"{tag} the deployment is running")
    await send(client, bob, channel_id, f"{tag} сервер перезапускается")
    await send(client, alice, channel_id, f"{tag} unrelated chatter")
    assert await hits(client, bob, f"{tag} deployments") == [f"{tag} the deployment is running"]
    assert await hits(client, alice, f"{tag} {'сервер'.upper()}") == [
        f"{tag} сервер перезапускается"
    ]
    if ON_POSTGRES:  # Russian stemming; SQLite's FTS5 stems English only
        assert await hits(client, alice, f"{tag} серверы") == [f"{tag} сервер перезапускается"]
    assert len(await hits(client, alice, tag)) == 3
    assert await hits(client, alice, f"{tag} running or chatter") == [
        f"{tag} unrelated chatter",
        f"{tag} the deployment is running",
    ]
    assert await hits(client, alice, f"{tag} -chatter -сервер") == [
        f"{tag} the deployment is running"
    ]
    assert await hits(client, alice, f'"{tag} unrelated chatter"') == [f"{tag} unrelated chatter"]
    assert await hits(client, alice, f'"{tag} chatter unrelated"') == []


async def test_hits_carry_a_highlight_that_is_safe_html(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    tag = word()
    await send(client, alice, channel_id, f"<b>{tag}</b> & friends")
    response = await search(client, bob, tag, channel_id)
    (hit,) = response.json()["items"]
    assert f"<mark>{tag}</mark>" in hit["highlight"]
    if not ON_POSTGRES:  # PostgreSQL's parser leaves tag-like words out of snippets
        assert "&lt;b&gt;" in hit["highlight"]
    assert "&amp;" in hit["highlight"]
    assert "<b>" not in hit["highlight"]
    assert hit["message"]["author_id"] == alice.id
    assert hit["message"]["reactions"] == []


async def test_search_pages_by_keyset(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    tag = word()
    ids = [(await send(client, alice, channel_id, f"{tag} number {i}"))["id"] for i in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"before": cursor} if cursor else {})
        page = (await search(client, alice, tag, **params)).json()
        seen += [h["message"]["id"] for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]


async def test_search_sees_only_readable_messages(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    outsider = await new_account(client, "outsider")
    tag = word()
    ours = await open_dm(client, alice, bob)
    await send(client, alice, ours, f"{tag} in our channel")
    theirs = await open_dm(client, carol, outsider)
    await send(client, carol, theirs, f"{tag} in theirs")
    gone = await send(client, alice, ours, f"{tag} deleted later")
    await client.delete(f"/v1/channels/{ours}/messages/{gone['id']}", headers=alice.headers)
    edited = await send(client, alice, ours, f"{tag} before the edit")
    await client.patch(
        f"/v1/channels/{ours}/messages/{edited['id']}",
        json={"content": "now something else"},
        headers=alice.headers,
    )
    assert await hits(client, bob, tag) == [f"{tag} in our channel"]
    assert await hits(client, bob, "something else") == ["now something else"]
    assert await hits(client, outsider, tag) == [f"{tag} in theirs"]
    # another's channel: not found, whether by path or by parameter
    assert (await search(client, outsider, tag, ours)).status_code == 404
    assert (
        await client.get(
            "/v1/messages/search", params={"q": tag, "channel_id": ours}, headers=outsider.headers
        )
    ).status_code == 404
    assert (await search(client, bob, tag, 10**12)).status_code == 404
    assert (await client.get("/v1/messages/search", params={"q": tag})).status_code == 401


async def test_blocks_and_encrypted_channels_are_not_searched(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    tag = word()
    carol = await new_account(client, "carol")
    await befriend(client, alice, bob)
    await befriend(client, alice, carol)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id, carol.id]}, headers=alice.headers
    )
    group_id = group.json()["id"]
    await send(client, carol, group_id, f"{tag} from carol")
    await send(client, alice, group_id, f"{tag} from alice")
    dm = await open_dm(client, bob, carol)
    await send(client, carol, dm, f"{tag} direct")
    await client.post("/v1/blocks", json={"user_id": carol.id}, headers=bob.headers)
    assert await hits(client, bob, tag) == [f"{tag} from alice"]
    blocked = await search(client, bob, tag, dm)
    assert blocked.status_code == 403
    other = await new_account(client, "enc")
    await befriend(client, alice, other)
    encrypted = await open_dm(
        client,
        alice,
        other,
        encrypted_keys={str(alice.id): "a2V5", str(other.id): "a2V5"},
    )
    await send(client, alice, encrypted, "c2VjcmV0")
    assert await hits(client, alice, "c2VjcmV0") == []
    assert await hits(client, alice, "c2VjcmV0", encrypted) == []


@pytest.mark.parametrize("q", ["", " ", "x" * 201, "-only", "!!!", "\x00a"])
async def test_bad_queries_are_a_clear_400(
    client: httpx.AsyncClient, alice: Account, q: str
) -> None:
    response = await client.get("/v1/messages/search", params={"q": q}, headers=alice.headers)
    assert response.status_code in (400, 422), response.text


def test_fts5_queries_quote_every_term() -> None:
    assert fts5_query('deploy "red button" or NEAR -AND') == (
        '"deploy" AND "red button" OR "NEAR" NOT "AND"'
    )
    assert fts5_query('a"b') == '"a b"'
