"""TOTP second factor and recovery codes, with the clock moved by the tests."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pyotp

from parley.kit.time import clock
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account, unique_name


def code_now(secret: str, shift: float = 0) -> str:
    return str(pyotp.TOTP(secret).at(int(clock.timestamp() + shift)))


async def enable_totp(client: httpx.AsyncClient, who: Account) -> tuple[str, list[str]]:
    started = await client.post("/v1/auth/2fa/totp", headers=who.headers)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    confirmed = await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": code_now(secret)}, headers=who.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def password_login(client: httpx.AsyncClient, who: Account) -> httpx.Response:
    return await client.post("/v1/auth/login", json={"login": who.username, "password": PASSWORD})


async def challenge_for(client: httpx.AsyncClient, who: Account) -> str:
    answer = await password_login(client, who)
    assert answer.status_code == 401, answer.text
    error = answer.json()["error"]
    assert error["code"] == "second_factor_required"
    assert error["methods"] == ["totp", "recovery_code"]
    challenge: str = error["challenge"]
    return challenge


async def second_step(client: httpx.AsyncClient, challenge: str, code: str) -> httpx.Response:
    return await client.post("/v1/auth/login/2fa", json={"challenge": challenge, "code": code})


async def test_enrolment_gives_a_secret_an_otpauth_uri_and_a_qr_png(
    client: httpx.AsyncClient, alice: Account
) -> None:
    started = await client.post("/v1/auth/2fa/totp", headers=alice.headers)
    assert started.status_code == 201
    body = started.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Parley:")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    prefix = "data:image/png;base64,"
    assert body["qr_png"].startswith(prefix)
    assert base64.b64decode(body["qr_png"][len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"
    # not on until confirmed: sign-in still takes the password alone
    assert (await password_login(client, alice)).status_code == 200
    state = await client.get("/v1/auth/2fa", headers=alice.headers)
    assert state.json() == {"totp": False, "passkeys": 0, "recovery_codes_left": 0}


async def test_two_factor_routes_need_a_signed_in_person(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/auth/2fa")).status_code == 401
    assert (await client.post("/v1/auth/2fa/totp")).status_code == 401
    confirm = await client.post("/v1/auth/2fa/totp/confirm", json={"code": "123456"})
    assert confirm.status_code == 401
    disable = await client.post("/v1/auth/2fa/totp/disable", json={"password": PASSWORD})
    assert disable.status_code == 401


async def test_confirming_needs_a_started_enrolment_and_the_right_code(
    client: httpx.AsyncClient, alice: Account
) -> None:
    missing = await client.post(
        "/v1/auth/2fa/totp/confirm", json={"code": "123456"}, headers=alice.headers
    )
    assert missing.status_code == 404
    secret = (await client.post("/v1/auth/2fa/totp", headers=alice.headers)).json()["secret"]
    wrong = await client.post(
        "/v1/auth/2fa/totp/confirm",
        json={"code": code_now(secret, shift=-120)},
        headers=alice.headers,
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_code"
    _secret, codes = await enable_totp(client, alice)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    again = await client.post("/v1/auth/2fa/totp", headers=alice.headers)
    assert again.status_code == 409


async def test_password_sign_in_then_asks_for_a_totp_code_that_works_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    secret, _codes = await enable_totp(client, alice)
    clock.advance(30)  # the confirming code's step is spent
    code = code_now(secret)
    signed_in = await second_step(client, await challenge_for(client, alice), code)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert tokens["user"]["id"] == alice.id
    assert tokens["access_token"]
    assert tokens["refresh_token"]
    # the same code (same 30-second window) does not open a second session
    replay = await second_step(client, await challenge_for(client, alice), code)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "invalid_second_factor"
    clock.advance(30)
    later = await second_step(client, await challenge_for(client, alice), code_now(secret))
    assert later.status_code == 200


async def test_a_code_one_step_off_is_accepted_and_two_steps_off_is_not(
    client: httpx.AsyncClient, alice: Account
) -> None:
    secret, _codes = await enable_totp(client, alice)
    clock.advance(90)
    stale = await second_step(client, await challenge_for(client, alice), code_now(secret, -60))
    assert stale.status_code == 401
    drifted = await second_step(client, await challenge_for(client, alice), code_now(secret, 30))
    assert drifted.status_code == 200, drifted.text


async def test_recovery_codes_work_once_each(client: httpx.AsyncClient, alice: Account) -> None:
    _secret, codes = await enable_totp(client, alice)
    first = await second_step(client, await challenge_for(client, alice), codes[0])
    assert first.status_code == 200, first.text
    # typed without the dash and in capitals still counts; used once, it is gone
    again = await second_step(
        client, await challenge_for(client, alice), codes[0].replace("-", "").upper()
    )
    assert again.status_code == 401
    state = await client.get("/v1/auth/2fa", headers=alice.headers)
    assert state.json() == {"totp": True, "passkeys": 0, "recovery_codes_left": 9}


async def test_a_challenge_allows_five_tries_and_then_dies(
    client: httpx.AsyncClient, alice: Account
) -> None:
    secret, _codes = await enable_totp(client, alice)
    clock.advance(30)
    challenge = await challenge_for(client, alice)
    for tries_left in (4, 3, 2, 1):
        wrong = await second_step(client, challenge, "000000")
        assert wrong.status_code == 401
        assert wrong.json()["error"]["tries_left"] == tries_left
    last = await second_step(client, challenge, "000000")
    assert last.json()["error"]["code"] == "second_factor_expired"
    dead = await second_step(client, challenge, code_now(secret))
    assert dead.json()["error"]["code"] == "second_factor_expired"


async def test_a_challenge_expires_and_works_only_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    secret, codes = await enable_totp(client, alice)
    challenge = await challenge_for(client, alice)
    clock.advance(301)
    expired = await second_step(client, challenge, code_now(secret))
    assert expired.json()["error"]["code"] == "second_factor_expired"
    challenge = await challenge_for(client, alice)
    assert (await second_step(client, challenge, codes[1])).status_code == 200
    spent = await second_step(client, challenge, codes[2])
    assert spent.json()["error"]["code"] == "second_factor_expired"
    unknown = await second_step(client, "no-such-challenge", codes[2])
    assert unknown.status_code == 401


async def test_another_persons_code_does_not_answer_my_challenge(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    _alice_secret, _ = await enable_totp(client, alice)
    bob_secret, bob_codes = await enable_totp(client, bob)
    clock.advance(30)
    challenge = await challenge_for(client, alice)
    assert (await second_step(client, challenge, code_now(bob_secret))).status_code == 401
    assert (await second_step(client, challenge, bob_codes[0])).status_code == 401


async def test_turning_it_off_needs_the_password(client: httpx.AsyncClient, alice: Account) -> None:
    await enable_totp(client, alice)
    wrong = await client.post(
        "/v1/auth/2fa/totp/disable", json={"password": "not my password"}, headers=alice.headers
    )
    assert wrong.status_code == 401
    off = await client.post(
        "/v1/auth/2fa/totp/disable", json={"password": PASSWORD}, headers=alice.headers
    )
    assert off.status_code == 204
    assert (await password_login(client, alice)).status_code == 200
    again = await client.post(
        "/v1/auth/2fa/totp/disable", json={"password": PASSWORD}, headers=alice.headers
    )
    assert again.status_code == 404


async def test_new_recovery_codes_replace_the_old_ones(
    client: httpx.AsyncClient, alice: Account
) -> None:
    _secret, old = await enable_totp(client, alice)
    fresh = await client.post(
        "/v1/auth/2fa/recovery-codes", json={"password": PASSWORD}, headers=alice.headers
    )
    assert fresh.status_code == 200
    new = fresh.json()["recovery_codes"]
    assert (
        await second_step(client, await challenge_for(client, alice), old[0])
    ).status_code == 401
    assert (
        await second_step(client, await challenge_for(client, alice), new[0])
    ).status_code == 200


async def test_contracts_without_a_second_step_refuse_with_their_own_401(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await enable_totp(client, alice)
    whisper = await client.post(
        "/api/v1/auth/login", json={"user": alice.username, "password": PASSWORD}
    )
    assert whisper.status_code == 401
    assert "error" in whisper.json()
    discord = await client.post(
        "/auth/login/",
        json={"email": alice.email, "password": PASSWORD, "client_fingerprint": "fp-1"},
        headers={"X-Forwarded-For": "203.0.113.9", "Accept-Language": "en-US"},
    )
    assert discord.status_code == 401
    assert "detail" in discord.json()


async def test_second_factor_tries_are_rate_limited_per_account(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        rate_limits_enabled=True, rate_second_factor="3/minute", redis_prefix=f"rl-{unique_name()}"
    )
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            who = await new_account(client, "limited")
            secret, _codes = await enable_totp(client, who)  # one try spent confirming
            challenge = await challenge_for(client, who)
            statuses = [(await second_step(client, challenge, "000000")).status_code]
            statuses.append((await second_step(client, challenge, "000001")).status_code)
            right = await second_step(client, challenge, code_now(secret, 30))
            assert statuses == [401, 401]
            assert right.status_code == 429
            assert right.json()["error"]["code"] == "rate_limited"
