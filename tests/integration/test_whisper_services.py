"""Service functions the Whisper dialect relies on."""

from __future__ import annotations

import httpx

from parley.messaging import keys
from parley.runtime import Runtime
from tests.support.accounts import Account, new_account


async def test_public_keys_in_one_call_skip_users_without_keys(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    carol = await new_account(client, "carol")
    for account, public in ((alice, "cHViQQ=="), (bob, "cHViQg==")):
        response = await client.put(
            "/v1/users/me/keys",
            json={"public_key": public, "encrypted_private_key": "cHJpdg==", "pin": "123456"},
            headers=account.headers,
        )
        assert response.status_code == 200, response.text
    async with runtime.db.unit_of_work() as session:
        found = await keys.public_keys(session, [alice.id, bob.id, carol.id, alice.id])
        assert found == {alice.id: "cHViQQ==", bob.id: "cHViQg=="}
        assert await keys.public_keys(session, []) == {}
