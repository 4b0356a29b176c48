"""Concurrency against a real `parley serve` process: one DM per pair, PIN guess limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from tests.support.accounts import Account, new_account
from tests.support.servers import ServerProcess


async def test_concurrent_dm_creation_and_pin_guesses_on_a_real_server(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        alice: Account = await new_account(client, "alice")
        bob: Account = await new_account(client, "bob")
        opened = await asyncio.gather(
            *(
                client.post("/v1/channels/direct", json={"user_id": b.id}, headers=a.headers)
                for a, b in [(alice, bob), (bob, alice)] * 10
            )
        )
        assert {r.status_code for r in opened} <= {200, 201}, [r.text for r in opened]
        assert len({r.json()["id"] for r in opened}) == 1
        assert [r.status_code for r in opened].count(201) == 1

        keys = {"public_key": "pk", "encrypted_private_key": "epk", "pin": "2468"}
        assert (
            await client.put("/v1/users/me/keys", json=keys, headers=alice.headers)
        ).status_code == 200
        guesses = await asyncio.gather(
            *(
                client.post(
                    "/v1/users/me/keys/unlock", json={"pin": f"{i:05d}"}, headers=alice.headers
                )
                for i in range(30)
            )
        )
        codes = [r.status_code for r in guesses]
        assert codes.count(403) == 9, codes
        assert codes.count(423) == 21, codes
        tries = sorted(r.json()["error"]["tries_left"] for r in guesses)
        assert tries[-9:] == list(range(1, 10))
        right = await client.post(
            "/v1/users/me/keys/unlock", json={"pin": "2468"}, headers=alice.headers
        )
        assert right.status_code == 423
