"""E2E key material: upload, PIN unlock, failure counter, lock and administrative unlock."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx

from parley.settings import Settings
from tests.support.accounts import Account
from tests.support.servers import settings_env

KEYS = {"public_key": "pk-AAAA", "encrypted_private_key": "epk-BBBB", "pin": "123456"}


async def upload(client: httpx.AsyncClient, who: Account, **extra: str) -> httpx.Response:
    return await client.put("/v1/users/me/keys", json={**KEYS, **extra}, headers=who.headers)


async def unlock(client: httpx.AsyncClient, who: Account, pin: str) -> httpx.Response:
    return await client.post("/v1/users/me/keys/unlock", json={"pin": pin}, headers=who.headers)


async def test_upload_and_unlock_with_the_pin(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    assert (await client.get("/v1/users/me/keys", headers=alice.headers)).status_code == 404
    stored = await upload(client, alice)
    assert stored.status_code == 200
    assert stored.json()["tries_left"] == 10
    assert "pin" not in stored.text
    assert "123456" not in stored.text
    opened = await unlock(client, alice, "123456")
    assert opened.json() == {"public_key": "pk-AAAA", "encrypted_private_key": "epk-BBBB"}
    public = await client.get(f"/v1/users/{alice.id}/public-key", headers=bob.headers)
    assert public.json() == {"user_id": alice.id, "public_key": "pk-AAAA"}
    assert (
        await client.get(f"/v1/users/{bob.id}/public-key", headers=alice.headers)
    ).status_code == 404
    assert (await client.get(f"/v1/users/{alice.id}/public-key")).status_code == 401
    # bob has no key: his unlock is 404 and never touches alice's
    assert (await unlock(client, bob, "123456")).status_code == 404


async def test_pin_verifier_is_peppered_argon2id(
    client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    await upload(client, alice)
    from parley.messaging import keys

    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.db.sessionmaker() as session:
        from parley.models import UserKey

        row = await session.get(UserKey, alice.id)
        assert row is not None
        assert row.pin_verifier.startswith("$argon2id$")
        # without the pepper the verifier does not match the bare PIN
        assert not await runtime.passwords.verify(row.pin_verifier, "123456")
    assert keys.pepper(settings)


async def test_wrong_pins_count_down_then_lock_until_the_cli_unlocks(
    client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    await upload(client, alice)
    for expected in range(9, 0, -1):
        wrong = await unlock(client, alice, "000000")
        assert wrong.status_code == 403
        assert wrong.json()["error"]["tries_left"] == expected
    locked = await unlock(client, alice, "000000")
    assert locked.status_code == 423
    assert locked.json()["error"]["tries_left"] == 0
    right_but_locked = await unlock(client, alice, "123456")
    assert right_but_locked.status_code == 423
    status = (await client.get("/v1/users/me/keys", headers=alice.headers)).json()
    assert (status["locked"], status["tries_left"]) == (True, 0)
    # a new upload without the password neither resets nor unlocks
    assert (await upload(client, alice, pin="654321")).status_code == 403
    env = {**os.environ, **settings_env(settings)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "parley", "users", "unlock-key", alice.username, env=env
    )
    assert await process.wait() == 0
    assert (await unlock(client, alice, "123456")).status_code == 200


async def test_a_correct_pin_resets_the_count(client: httpx.AsyncClient, alice: Account) -> None:
    await upload(client, alice)
    for _ in range(5):
        await unlock(client, alice, "999999")
    assert (await unlock(client, alice, "123456")).status_code == 200
    assert (await unlock(client, alice, "999999")).json()["error"]["tries_left"] == 9


async def test_replacing_keys_needs_the_password_which_resets_the_count(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await upload(client, alice)
    for _ in range(3):
        await unlock(client, alice, "999999")
    no_password = await upload(client, alice, public_key="pk-NEW")
    assert no_password.status_code == 403
    wrong_password = await upload(client, alice, public_key="pk-NEW", password="not my password")
    assert wrong_password.status_code == 401
    replaced = await upload(
        client, alice, public_key="pk-NEW", pin="24680", password=alice.password
    )
    assert replaced.status_code == 200
    assert replaced.json()["tries_left"] == 10
    assert (await unlock(client, alice, "123456")).status_code == 403
    assert (await unlock(client, alice, "24680")).json()["public_key"] == "pk-NEW"


async def test_key_input_is_validated(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await upload(client, alice, pin="12")).status_code == 422
    assert (await upload(client, alice, public_key="  ")).status_code == 400
    assert (await upload(client, alice, public_key="x" * 20000)).status_code == 422
    assert (await client.put("/v1/users/me/keys", json=KEYS)).status_code == 401
    assert (await client.post("/v1/users/me/keys/unlock", json={"pin": "1"})).status_code == 401
    assert (await client.get("/v1/users/me/keys")).status_code == 401


async def test_concurrent_guesses_cannot_exceed_the_limit(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await upload(client, alice)
    results = await asyncio.gather(*(unlock(client, alice, f"{i:06d}9") for i in range(25)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(403) == 9
    assert codes.count(423) == 16
    assert (await unlock(client, alice, "123456")).status_code == 423
