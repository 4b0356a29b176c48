"""Passkeys through the real API, answered by a software authenticator."""

from __future__ import annotations

from typing import Any

import httpx

from parley.kit.time import clock
from tests.support.accounts import PASSWORD, Account
from tests.support.authenticator import SoftAuthenticator

RP_ID, ORIGIN = "testserver", "http://testserver"


async def registration_options(client: httpx.AsyncClient, who: Account) -> dict[str, Any]:
    answer = await client.post("/v1/auth/passkeys/registration/options", headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def add_passkey(
    client: httpx.AsyncClient, who: Account, authenticator: SoftAuthenticator | None = None
) -> SoftAuthenticator:
    authenticator = authenticator or SoftAuthenticator(RP_ID, ORIGIN)
    offered = await registration_options(client, who)
    added = await client.post(
        "/v1/auth/passkeys/registration",
        json={
            "challenge_id": offered["challenge_id"],
            "credential": authenticator.create(offered["options"]),
            "name": "Laptop",
        },
        headers=who.headers,
    )
    assert added.status_code == 201, added.text
    return authenticator


async def remove_passkey(
    client: httpx.AsyncClient, who: Account, passkey_id: int, password: str | None = PASSWORD
) -> httpx.Response:
    body = {"current_password": password} if password is not None else None
    return await client.request(
        "DELETE", f"/v1/auth/passkeys/{passkey_id}", json=body, headers=who.headers
    )


async def passkey_sign_in(
    client: httpx.AsyncClient, authenticator: SoftAuthenticator, **answer: Any
) -> httpx.Response:
    offered = (await client.post("/v1/auth/passkeys/sign-in/options")).json()
    return await client.post(
        "/v1/auth/passkeys/sign-in",
        json={
            "challenge_id": offered["challenge_id"],
            "credential": authenticator.get(offered["options"], **answer),
        },
    )


async def test_registration_options_ask_for_a_verified_discoverable_credential(
    client: httpx.AsyncClient, alice: Account
) -> None:
    options = (await registration_options(client, alice))["options"]
    assert options["rp"] == {"id": RP_ID, "name": "Parley"}
    assert options["user"]["name"] == alice.username
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["excludeCredentials"] == []


async def test_a_passkey_is_added_listed_and_signs_in_without_a_password(
    client: httpx.AsyncClient, alice: Account
) -> None:
    authenticator = await add_passkey(client, alice)
    listed = (await client.get("/v1/auth/passkeys", headers=alice.headers)).json()
    assert [(key["name"], key["transports"]) for key in listed] == [
        ("Laptop", ["internal", "hybrid"])
    ]
    options = (await registration_options(client, alice))["options"]
    assert len(options["excludeCredentials"]) == 1
    signed_in = await passkey_sign_in(client, authenticator)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert tokens["user"]["id"] == alice.id
    me = await client.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["id"] == alice.id
    used = (await client.get("/v1/auth/passkeys", headers=alice.headers)).json()
    assert used[0]["last_used_at"] is not None


async def test_passkey_routes_need_a_signed_in_person(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/auth/passkeys")).status_code == 401
    assert (await client.post("/v1/auth/passkeys/registration/options")).status_code == 401
    register = await client.post(
        "/v1/auth/passkeys/registration", json={"challenge_id": "x", "credential": {}}
    )
    assert register.status_code == 401
    assert (await client.delete("/v1/auth/passkeys/1")).status_code == 401
    rename = await client.patch("/v1/auth/passkeys/1", json={"name": "Phone"})
    assert rename.status_code == 401


async def test_options_work_once_and_expire(client: httpx.AsyncClient, alice: Account) -> None:
    authenticator = SoftAuthenticator(RP_ID, ORIGIN)
    offered = await registration_options(client, alice)
    body = {
        "challenge_id": offered["challenge_id"],
        "credential": authenticator.create(offered["options"]),
    }
    first = await client.post("/v1/auth/passkeys/registration", json=body, headers=alice.headers)
    assert first.status_code == 201
    again = await client.post("/v1/auth/passkeys/registration", json=body, headers=alice.headers)
    assert again.json()["error"]["code"] == "passkey_challenge_expired"
    offered = (await client.post("/v1/auth/passkeys/sign-in/options")).json()
    clock.advance(301)
    late = await client.post(
        "/v1/auth/passkeys/sign-in",
        json={
            "challenge_id": offered["challenge_id"],
            "credential": authenticator.get(offered["options"]),
        },
    )
    assert late.status_code == 400
    assert late.json()["error"]["code"] == "passkey_challenge_expired"


async def test_another_persons_registration_options_are_not_mine(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    offered = await registration_options(client, alice)
    stolen = await client.post(
        "/v1/auth/passkeys/registration",
        json={
            "challenge_id": offered["challenge_id"],
            "credential": SoftAuthenticator(RP_ID, ORIGIN).create(offered["options"]),
        },
        headers=bob.headers,
    )
    assert stolen.json()["error"]["code"] == "passkey_challenge_expired"


async def test_answers_for_another_site_or_without_user_verification_are_rejected(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for authenticator, verified in (
        (SoftAuthenticator(RP_ID, "https://evil.example"), True),
        (SoftAuthenticator("evil.example", ORIGIN), True),
        (SoftAuthenticator(RP_ID, ORIGIN), False),
    ):
        offered = await registration_options(client, alice)
        refused = await client.post(
            "/v1/auth/passkeys/registration",
            json={
                "challenge_id": offered["challenge_id"],
                "credential": authenticator.create(offered["options"], user_verified=verified),
            },
            headers=alice.headers,
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "passkey_rejected"
    assert (await client.get("/v1/auth/passkeys", headers=alice.headers)).json() == []


async def test_sign_in_refuses_unknown_unverified_and_cloned_passkeys(
    client: httpx.AsyncClient, alice: Account
) -> None:
    unknown = await passkey_sign_in(client, SoftAuthenticator(RP_ID, ORIGIN))
    assert unknown.status_code == 401
    authenticator = await add_passkey(client, alice)
    unverified = await passkey_sign_in(client, authenticator, user_verified=False)
    assert unverified.status_code == 401
    assert (await passkey_sign_in(client, authenticator, counter_step=5)).status_code == 200
    # a copy of the key whose counter lags behind the original's
    cloned = await passkey_sign_in(client, authenticator, counter_step=-2)
    assert cloned.status_code == 401


async def test_a_registered_passkey_cannot_be_added_twice(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    authenticator = await add_passkey(client, alice)
    offered = await registration_options(client, bob)
    twice = await client.post(
        "/v1/auth/passkeys/registration",
        json={
            "challenge_id": offered["challenge_id"],
            "credential": authenticator.create(offered["options"]),
        },
        headers=bob.headers,
    )
    assert twice.status_code == 409


async def test_removing_a_passkey_needs_the_password_and_ends_its_sign_ins(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    authenticator = await add_passkey(client, alice)
    (key,) = (await client.get("/v1/auth/passkeys", headers=alice.headers)).json()
    assert (await client.get("/v1/auth/passkeys", headers=bob.headers)).json() == []
    assert (await remove_passkey(client, bob, key["id"])).status_code == 404
    assert (await remove_passkey(client, alice, 999999999)).status_code == 404
    unproven = await remove_passkey(client, alice, key["id"], password=None)
    assert unproven.status_code == 403
    assert unproven.json()["error"]["code"] == "reauthentication_required"
    wrong = await remove_passkey(client, alice, key["id"], password="not my password")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert (await remove_passkey(client, alice, key["id"])).status_code == 204
    assert (await passkey_sign_in(client, authenticator)).status_code == 401


async def test_a_passkey_is_renamed_by_its_owner_only(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await add_passkey(client, alice)
    (key,) = (await client.get("/v1/auth/passkeys", headers=alice.headers)).json()
    url = f"/v1/auth/passkeys/{key['id']}"
    renamed = await client.patch(url, json={"name": "  Work phone "}, headers=alice.headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Work phone"
    stolen = await client.patch(url, json={"name": "Mine"}, headers=bob.headers)
    assert stolen.status_code == 404
    missing = await client.patch(
        "/v1/auth/passkeys/999999999", json={"name": "x"}, headers=alice.headers
    )
    assert missing.status_code == 404
    blank = await client.patch(url, json={"name": "   "}, headers=alice.headers)
    assert blank.status_code == 422
    (kept,) = (await client.get("/v1/auth/passkeys", headers=alice.headers)).json()
    assert kept["name"] == "Work phone"


async def test_the_first_passkey_brings_recovery_codes_and_guards_password_sign_in(
    client: httpx.AsyncClient, alice: Account
) -> None:
    authenticator = SoftAuthenticator(RP_ID, ORIGIN)
    offered = await registration_options(client, alice)
    added = await client.post(
        "/v1/auth/passkeys/registration",
        json={
            "challenge_id": offered["challenge_id"],
            "credential": authenticator.create(offered["options"]),
        },
        headers=alice.headers,
    )
    codes = added.json()["recovery_codes"]
    assert len(codes) == 10
    second = await add_passkey(client, alice)  # a second passkey brings no new codes
    state = (await client.get("/v1/auth/2fa", headers=alice.headers)).json()
    assert state == {"totp": False, "passkeys": 2, "recovery_codes_left": 10}

    login = await client.post(
        "/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
    )
    assert login.status_code == 401
    error = login.json()["error"]
    assert error["methods"] == ["recovery_code", "passkey"]
    options = error["passkey"]["options"]
    assert len(options["allowCredentials"]) == 2
    answer = second.get(options, user_verified=False)  # presence is enough after a password
    finished = await client.post(
        "/v1/auth/login/2fa",
        json={
            "challenge": error["challenge"],
            "passkey": {"challenge_id": error["passkey"]["challenge_id"], "credential": answer},
        },
    )
    assert finished.status_code == 200, finished.text
    assert finished.json()["user"]["id"] == alice.id


async def test_another_persons_passkey_does_not_answer_my_second_factor(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await add_passkey(client, alice)
    bobs = await add_passkey(client, bob)
    error = (
        await client.post("/v1/auth/login", json={"login": alice.username, "password": PASSWORD})
    ).json()["error"]
    refused = await client.post(
        "/v1/auth/login/2fa",
        json={
            "challenge": error["challenge"],
            "passkey": {
                "challenge_id": error["passkey"]["challenge_id"],
                "credential": bobs.get(error["passkey"]["options"]),
            },
        },
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_second_factor"
    neither = await client.post("/v1/auth/login/2fa", json={"challenge": error["challenge"]})
    assert neither.status_code == 422


async def test_removing_the_last_passkey_turns_the_second_factor_off(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await add_passkey(client, alice)
    (key,) = (await client.get("/v1/auth/passkeys", headers=alice.headers)).json()
    assert (await remove_passkey(client, alice, key["id"])).status_code == 204
    state = (await client.get("/v1/auth/2fa", headers=alice.headers)).json()
    assert state == {"totp": False, "passkeys": 0, "recovery_codes_left": 0}
    login = await client.post(
        "/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
    )
    assert login.status_code == 200
