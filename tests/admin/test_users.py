"""Users in the admin console: search, detail, disable/enable, sessions, second factors and
the E2E key lock; every action audited with its actor and target."""

from __future__ import annotations

import httpx
import pyotp

from parley.kit.time import clock
from tests.admin.conftest import REAUTH, audit_of
from tests.support.accounts import PASSWORD, Account, new_account, unique_name


async def test_search_by_username_or_email_prefix_is_keyset_paged(
    client: httpx.AsyncClient, admin: Account
) -> None:
    stem = unique_name("srch")
    made = [await new_account(client, username=f"{stem}{i}") for i in range(3)]
    first = await client.get(
        "/v1/admin/users", params={"q": stem.upper(), "limit": 2}, headers=admin.headers
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert [u["id"] for u in page["items"]] == [made[0].id, made[1].id]
    rest = await client.get(
        "/v1/admin/users",
        params={"q": stem, "limit": 2, "after": page["next_cursor"]},
        headers=admin.headers,
    )
    assert [u["username"] for u in rest.json()["items"]] == [made[2].username]
    assert rest.json()["next_cursor"] is None
    by_email = await client.get(
        "/v1/admin/users", params={"q": made[1].email}, headers=admin.headers
    )
    assert [u["id"] for u in by_email.json()["items"]] == [made[1].id]
    # LIKE wildcards in the prefix are literal
    wild = await client.get("/v1/admin/users", params={"q": "%"}, headers=admin.headers)
    assert wild.json()["items"] == []


async def test_bad_search_and_paging_input_is_a_4xx(
    client: httpx.AsyncClient, admin: Account
) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"after": -1}, {"q": "x" * 321}):
        response = await client.get("/v1/admin/users", params=params, headers=admin.headers)
        assert response.status_code == 422, params
    missing = await client.get("/v1/admin/users/999999999", headers=admin.headers)
    assert missing.status_code == 404
    assert (await client.get("/v1/admin/users/0", headers=admin.headers)).status_code == 422


async def test_user_detail_shows_sessions_devices_second_factors_and_key(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    detail = await client.get(f"/v1/admin/users/{bob.id}", headers=admin.headers)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["username"] == bob.username
    assert body["live_sessions"] == 1
    assert body["disabled_at"] is None
    assert body["two_factor"] == {"totp": False, "passkeys": 0, "recovery_codes_left": 0}
    assert body["e2e_key"] is None
    assert body["roles"] == []


async def test_disable_needs_reauthentication_then_blocks_sign_in_and_is_audited(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    url = f"/v1/admin/users/{bob.id}"
    unconfirmed = await client.patch(url, json={"disabled": True}, headers=admin.headers)
    assert unconfirmed.status_code == 403
    assert unconfirmed.json()["error"]["code"] == "reauthentication_required"
    wrong = await client.patch(
        url, json={"disabled": True, "current_password": "not it at all"}, headers=admin.headers
    )
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert (await client.get("/v1/users/me", headers=bob.headers)).status_code == 200

    disabled = await client.patch(url, json={"disabled": True, **REAUTH}, headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    assert disabled.json()["live_sessions"] == 0
    assert (await client.get("/v1/users/me", headers=bob.headers)).status_code == 401
    login = await client.post("/v1/auth/login", json={"login": bob.username, "password": PASSWORD})
    assert login.json()["error"]["code"] == "account_disabled"

    enabled = await client.patch(url, json={"disabled": False}, headers=admin.headers)
    assert enabled.json()["disabled_at"] is None
    login = await client.post("/v1/auth/login", json={"login": bob.username, "password": PASSWORD})
    assert login.status_code == 200

    kinds = [e["kind"] for e in await audit_of(client, admin, user_id=bob.id)]
    admin_kinds = [kind for kind in kinds if kind.startswith("admin.")]
    assert admin_kinds == ["admin.user_enabled", "admin.user_disabled"]
    # the domain's own record of the revocation is there too
    assert "session.revoked" in kinds
    (record,) = await audit_of(client, admin, user_id=bob.id, kind="admin.user_disabled")
    assert record["actor_id"] == admin.id
    assert record["actor"] == admin.username
    assert record["username"] == bob.username
    assert record["detail"]["target"] == bob.username


async def test_an_admin_cannot_disable_themselves(
    client: httpx.AsyncClient, admin: Account
) -> None:
    response = await client.patch(
        f"/v1/admin/users/{admin.id}", json={"disabled": True, **REAUTH}, headers=admin.headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cannot_disable_self"


async def test_bad_state_body_is_a_4xx(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    for body in ({}, {"disabled": "maybe"}, {"disabled": True, "current_password": 5}):
        response = await client.patch(f"/v1/admin/users/{bob.id}", json=body, headers=admin.headers)
        assert response.status_code == 422, body


async def test_revoking_every_session_signs_the_user_out_and_is_audited(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    url = f"/v1/admin/users/{bob.id}/revoke-sessions"
    assert (await client.post(url, headers=admin.headers)).status_code == 403
    revoked = await client.post(url, json=REAUTH, headers=admin.headers)
    assert revoked.json() == {"revoked": 1}
    assert (await client.get("/v1/users/me", headers=bob.headers)).status_code == 401
    (record,) = await audit_of(client, admin, user_id=bob.id, kind="admin.sessions_revoked")
    assert record["detail"]["count"] == 1
    missing = await client.post(
        "/v1/admin/users/999999999/revoke-sessions", json=REAUTH, headers=admin.headers
    )
    assert missing.status_code == 404


async def test_resetting_two_factor_removes_totp_and_recovery_codes(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    started = await client.post("/v1/auth/2fa/totp", headers=bob.headers)
    secret = started.json()["secret"]
    code = pyotp.TOTP(secret).at(int(clock.timestamp()))
    confirmed = await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": code}, headers=bob.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    before = (await client.get(f"/v1/admin/users/{bob.id}", headers=admin.headers)).json()
    assert before["two_factor"]["totp"] is True
    assert before["two_factor"]["recovery_codes_left"] > 0

    reset = await client.post(
        f"/v1/admin/users/{bob.id}/reset-two-factor", json=REAUTH, headers=admin.headers
    )
    assert reset.json() == {"totp": False, "passkeys": 0, "recovery_codes_left": 0}
    # a password alone signs bob in again
    login = await client.post("/v1/auth/login", json={"login": bob.username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    (record,) = await audit_of(client, admin, user_id=bob.id, kind="admin.two_factor_reset")
    assert record["detail"]["totp"] is True


async def test_unlocking_the_e2e_key_clears_the_pin_lock(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    url = f"/v1/admin/users/{bob.id}/unlock-key"
    assert (await client.post(url, headers=admin.headers)).status_code == 404  # no key yet
    keys = {"public_key": "pk-A", "encrypted_private_key": "epk-B", "pin": "123456"}
    assert (await client.put("/v1/users/me/keys", json=keys, headers=bob.headers)).is_success
    for _ in range(10):
        await client.post("/v1/users/me/keys/unlock", json={"pin": "000000"}, headers=bob.headers)
    locked = (await client.get(f"/v1/admin/users/{bob.id}", headers=admin.headers)).json()
    assert locked["e2e_key"] == {"locked": True, "tries_left": 0}

    unlocked = await client.post(url, headers=admin.headers)
    assert unlocked.json() == {"locked": False, "tries_left": 10}
    opened = await client.post(
        "/v1/users/me/keys/unlock", json={"pin": "123456"}, headers=bob.headers
    )
    assert opened.status_code == 200
    (record,) = await audit_of(client, admin, user_id=bob.id, kind="admin.key_unlocked")
    assert record["actor_id"] == admin.id
