"""Disabling accounts and reporting messages through the native API (and sign-in refusal in
the dialects)."""

from __future__ import annotations

import httpx
import pytest

from parley.runtime import Runtime
from tests.support.access import give_roles
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.social import open_dm, send


@pytest.fixture
async def admin(client: httpx.AsyncClient, runtime: Runtime) -> Account:
    account = await new_account(client, "admin")
    await give_roles(runtime, account.id, runtime.settings.admin_role)
    return account


async def login_status(client: httpx.AsyncClient, who: Account, password: str = PASSWORD) -> tuple:
    response = await client.post(
        "/v1/auth/login", json={"login": who.username, "password": password}
    )
    code = response.json().get("error", {}).get("code") if response.status_code >= 400 else None
    return response.status_code, code


async def test_a_disabled_account_loses_its_sessions_and_cannot_sign_in_anywhere(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    disabled = await client.patch(
        f"/v1/admin/users/{bob.id}",
        json={"disabled": True, "current_password": PASSWORD},
        headers=admin.headers,
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    assert (await client.get("/v1/users/me", headers=bob.headers)).status_code == 401
    assert await login_status(client, bob) == (403, "account_disabled")
    # without the password nobody learns that the account exists and is disabled
    assert await login_status(client, bob, "wrong password!") == (401, "invalid_credentials")
    whisper = await client.post(
        "/api/v1/auth/login", json={"user": bob.username, "password": PASSWORD}
    )
    assert whisper.status_code == 403
    assert list(whisper.json()) == ["error"]
    discordapi = await client.post(
        "/auth/login/",
        json={"email": bob.email, "password": PASSWORD, "client_fingerprint": "f"},
    )
    assert discordapi.status_code == 403
    assert isinstance(discordapi.json()["detail"], str)
    goncord = await client.post(
        "/api/v0/tokens", json={"login": bob.username, "password": PASSWORD}
    )
    assert goncord.status_code == 403
    enabled = await client.patch(
        f"/v1/admin/users/{bob.id}", json={"disabled": False}, headers=admin.headers
    )
    assert enabled.json()["disabled_at"] is None
    assert await login_status(client, bob) == (200, None)


async def test_only_admins_disable_accounts(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    body = {"disabled": True, "current_password": PASSWORD}
    url = f"/v1/admin/users/{bob.id}"
    assert (await client.patch(url, json=body, headers=alice.headers)).status_code == 403
    assert (await client.patch(url, json=body)).status_code == 401
    assert (
        await client.patch("/v1/admin/users/999999999999", json=body, headers=admin.headers)
    ).status_code == 404
    assert await login_status(client, bob) == (200, None)


async def test_members_report_messages_and_admins_list_the_reports(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "something rude")
    url = f"/v1/channels/{channel_id}/messages/{message['id']}/reports"
    reported = await client.post(url, json={"reason": "rude"}, headers=bob.headers)
    assert reported.status_code == 201, reported.text
    assert reported.json()["message_id"] == message["id"]
    again = await client.post(url, json={"reason": "still rude"}, headers=bob.headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_reported"
    listed = await client.get("/v1/admin/reports", params={"limit": 100}, headers=admin.headers)
    assert listed.status_code == 200
    mine = [r for r in listed.json()["items"] if r["id"] == reported.json()["id"]]
    assert mine[0]["reason"] == "rude"
    assert mine[0]["reporter"]["id"] == bob.id
    assert mine[0]["message"]["content"] == "something rude"
    assert (await client.get("/v1/admin/reports", headers=bob.headers)).status_code == 403
    assert (await client.get("/v1/admin/reports")).status_code == 401


async def test_reports_need_a_member_a_live_message_and_a_reason(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    outsider = await new_account(client, "outsider")
    channel_id = await open_dm(client, alice, bob)
    message = await send(client, alice, channel_id, "hi")
    url = f"/v1/channels/{channel_id}/messages/{message['id']}/reports"
    assert (
        await client.post(url, json={"reason": "x"}, headers=outsider.headers)
    ).status_code == 404
    assert (await client.post(url, json={"reason": "x"})).status_code == 401
    for bad in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}, {}):
        response = await client.post(url, json=bad, headers=bob.headers)
        assert response.status_code in (400, 422), bad
    missing = f"/v1/channels/{channel_id}/messages/{10**12}/reports"
    assert (
        await client.post(missing, json={"reason": "x"}, headers=bob.headers)
    ).status_code == 404
    await client.delete(
        f"/v1/channels/{channel_id}/messages/{message['id']}", headers=alice.headers
    )
    assert (await client.post(url, json={"reason": "x"}, headers=bob.headers)).status_code == 404
