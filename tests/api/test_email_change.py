"""Changing the email or username: re-authentication, a verified new address, a notice with a
"this wasn't me" link to the old one, and no way around it through a dialect."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.accounts import PASSWORD, Account, new_account, unique_name
from tests.support.mail import code_in, last_mail, link_token_in, mail_to, sign_in_new_device

WHISPER_ME = "/api/v1/users/me"


async def me(client: httpx.AsyncClient, who: Account) -> dict[str, object]:
    response = await client.get("/v1/users/me/profile", headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


async def start_change(
    client: httpx.AsyncClient, who: Account, email: str | None, password: str | None = PASSWORD
) -> httpx.Response:
    body: dict[str, object] = {"email": email}
    if password is not None:
        body["current_password"] = password
    return await client.post("/v1/users/me/email", json=body, headers=who.headers)


async def test_a_bearer_token_alone_cannot_change_or_clear_the_email(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for body in ({"email": "evil@example.net"}, {"email": None}):
        patched = await client.patch("/v1/users/me", json=body, headers=alice.headers)
        assert patched.status_code == 403, patched.text
        assert patched.json()["error"]["code"] == "reauthentication_required"
    started = await start_change(client, alice, "evil@example.net", password=None)
    assert started.status_code == 403
    wrong = await start_change(client, alice, "evil@example.net", password="not the password")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert (await me(client, alice))["email"] == alice.email


async def test_a_bearer_token_alone_cannot_change_the_username(
    client: httpx.AsyncClient, alice: Account
) -> None:
    new_name = unique_name("renamed")
    refused = await client.patch("/v1/users/me", json={"username": new_name}, headers=alice.headers)
    assert refused.status_code == 403
    assert (await me(client, alice))["username"] == alice.username
    renamed = await client.patch(
        "/v1/users/me",
        json={"username": new_name, "current_password": PASSWORD},
        headers=alice.headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["username"] == new_name


async def test_the_new_address_replaces_the_old_only_once_confirmed(
    client: httpx.AsyncClient, alice: Account, data_dir: Path
) -> None:
    new_email = f"{unique_name('new')}@example.org"
    started = await start_change(client, alice, new_email)
    assert started.status_code == 200, started.text
    assert started.json() == {"status": "pending", "pending_email": new_email, "expires_in": 600}
    # until confirmed, the old address is the account's: a reset to the new one sends nothing
    assert (await me(client, alice))["email"] == alice.email
    reset = await client.post("/v1/auth/password-reset", json={"email": new_email})
    assert reset.status_code == 202
    mail = await last_mail(data_dir, new_email, "email_change")
    assert "Confirm" in str(mail["Subject"])
    assert not any(ch.isdigit() for ch in str(mail["Subject"]))  # no code in a subject line
    wrong = await client.post(
        "/v1/users/me/email/confirm", json={"code": "000000"}, headers=alice.headers
    )
    assert wrong.status_code == 400
    confirmed = await client.post(
        "/v1/users/me/email/confirm", json={"code": code_in(mail)}, headers=alice.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email"] == new_email
    assert (await me(client, alice))["email"] == new_email
    notice = await last_mail(data_dir, alice.email, "email_changed")
    assert "/v1/auth/email-change/revert?token=" in notice.get_payload()  # type: ignore[operator]


async def test_the_confirmation_link_works_once_without_signing_in(
    client: httpx.AsyncClient, alice: Account, data_dir: Path
) -> None:
    new_email = f"{unique_name('link')}@example.org"
    assert (await start_change(client, alice, new_email)).status_code == 200
    mail = await last_mail(data_dir, new_email, "email_change")
    token = link_token_in(mail, "/v1/auth/email-change/confirm")
    first = await client.post("/v1/auth/email-change/confirm", json={"token": token})
    assert first.status_code == 200, first.text
    again = await client.post("/v1/auth/email-change/confirm", json={"token": token})
    assert again.status_code == 400
    assert (await me(client, alice))["email"] == new_email


async def test_five_wrong_codes_kill_the_pending_change(
    client: httpx.AsyncClient, alice: Account, data_dir: Path
) -> None:
    new_email = f"{unique_name('guess')}@example.org"
    assert (await start_change(client, alice, new_email)).status_code == 200
    code = code_in(await last_mail(data_dir, new_email, "email_change"))
    for _ in range(5):
        await client.post(
            "/v1/users/me/email/confirm", json={"code": "999999"}, headers=alice.headers
        )
    late = await client.post(
        "/v1/users/me/email/confirm", json={"code": code}, headers=alice.headers
    )
    assert late.status_code == 400
    assert (await me(client, alice))["email"] == alice.email


async def test_not_me_on_the_old_address_restores_it_and_signs_out_everywhere(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    victim = await new_account(client, "victim")
    attacker_email = f"{unique_name('evil')}@example.net"
    assert (await start_change(client, victim, attacker_email)).status_code == 200
    code = code_in(await last_mail(data_dir, attacker_email, "email_change"))
    confirmed = await client.post(
        "/v1/users/me/email/confirm", json={"code": code}, headers=victim.headers
    )
    assert confirmed.status_code == 200
    notice = await last_mail(data_dir, victim.email, "email_changed")
    token = link_token_in(notice, "/v1/auth/email-change/revert")
    reverted = await client.post("/v1/auth/email-change/revert", json={"token": token})
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["revoked"] >= 1
    gone = await client.get("/v1/users/me", headers=victim.headers)
    assert gone.status_code == 401
    again = await client.post("/v1/auth/email-change/revert", json={"token": token})
    assert again.status_code == 400
    fresh = await client.post("/v1/auth/login", json={"login": victim.email, "password": PASSWORD})
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["user"]["email"] == victim.email


async def test_clearing_the_email_keeps_the_new_device_check(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    who = await new_account(client, "devices")
    await sign_in_new_device(client, data_dir, who, "laptop-1", PASSWORD)
    cleared = await start_change(client, who, None)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["status"] == "cleared"
    assert (await me(client, who))["email"] is None
    unknown = await client.post(
        "/v1/auth/login",
        json={"login": who.username, "password": PASSWORD, "device_id": "stranger"},
    )
    assert unknown.status_code == 403, unknown.text
    assert unknown.json()["error"]["code"] == "device_unverifiable"
    known = await client.post(
        "/v1/auth/login",
        json={"login": who.username, "password": PASSWORD, "device_id": "laptop-1"},
    )
    assert known.status_code == 200
    await mail_to(data_dir, who.email, "email_changed")


async def test_a_taken_address_is_refused_when_asked_and_when_confirmed(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    taken = await start_change(client, alice, bob.email.upper())
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "email_taken"


async def test_email_endpoints_need_a_token(client: httpx.AsyncClient) -> None:
    started = await client.post("/v1/users/me/email", json={"email": "x@example.com"})
    assert started.status_code == 401
    confirmed = await client.post("/v1/users/me/email/confirm", json={"code": "123456"})
    assert confirmed.status_code == 401
    bad_link = await client.post("/v1/auth/email-change/confirm", json={"token": "nope"})
    assert bad_link.status_code == 400


async def test_whisper_update_refuses_an_email_or_name_change(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for body in ({"email": "evil@example.net"}, {"user": unique_name("w")}):
        refused = await client.put(WHISPER_ME, json=body, headers=alice.headers)
        assert refused.status_code == 409, refused.text
        assert "/v1/users/me" in refused.json()["error"]
    unchanged = await client.put(
        WHISPER_ME, json={"email": alice.email, "name": "Alice"}, headers=alice.headers
    )
    assert unchanged.status_code == 200, unchanged.text
    profile = await me(client, alice)
    assert (profile["email"], profile["username"]) == (alice.email, alice.username)
