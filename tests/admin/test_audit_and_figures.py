"""The audit log (keyset paged, filtered by user and by event) and the live figures."""

from __future__ import annotations

import asyncio

import httpx

from parley.admin import figures as counters
from tests.admin.conftest import REAUTH, audit_of
from tests.support.accounts import Account
from tests.support.social import open_dm, send


async def test_the_audit_log_filters_by_user_and_event_and_pages_by_keyset(
    client: httpx.AsyncClient, admin: Account, alice: Account, bob: Account
) -> None:
    for who in (alice, bob):
        await client.post(
            f"/v1/admin/users/{who.id}/revoke-sessions", json=REAUTH, headers=admin.headers
        )
    mine = await audit_of(client, admin, user_id=admin.id, kind="admin.sessions_revoked")
    assert [e["user_id"] for e in mine] == [bob.id, alice.id]  # the actor's own, newest first
    only_bob = await audit_of(client, admin, user_id=bob.id)
    assert {e["user_id"] for e in only_bob} == {bob.id}
    assert {e["kind"] for e in await audit_of(client, admin, kind="session.revoked")} == {
        "session.revoked"
    }

    first = await client.get(
        "/v1/admin/audit", params={"user_id": bob.id, "limit": 1}, headers=admin.headers
    )
    cursor = first.json()["next_cursor"]
    assert cursor == first.json()["items"][0]["id"]
    second = await client.get(
        "/v1/admin/audit",
        params={"user_id": bob.id, "limit": 1, "before": cursor},
        headers=admin.headers,
    )
    assert second.json()["items"][0]["id"] < cursor


async def test_bad_audit_filters_are_a_4xx(client: httpx.AsyncClient, admin: Account) -> None:
    for params in (
        {"user_id": "x"},
        {"user_id": 0},
        {"kind": ""},
        {"kind": "k" * 41},
        {"limit": 500},
    ):
        response = await client.get("/v1/admin/audit", params=params, headers=admin.headers)
        assert response.status_code == 422, params


async def test_figures_count_live_sessions_and_sends(
    client: httpx.AsyncClient, admin: Account, alice: Account, bob: Account
) -> None:
    figures = await client.get("/v1/admin/figures", headers=admin.headers)
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert body["live_sessions"] >= 3
    assert body["sockets"] >= 0
    assert body["sends_per_second"] >= 0
    channel = await open_dm(client, alice, bob)
    sent_before = counters.sends_total()
    for n in range(3):
        await send(client, alice, channel, f"hello {n}")
    assert counters.sends_total() - sent_before == 3
    await asyncio.sleep(1.1)
    again = await client.get("/v1/admin/figures", headers=admin.headers)
    assert again.json()["sends_per_second"] > 0
