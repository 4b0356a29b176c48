"""Issue 13, item 14: tokens signed with the real key but with odd claims. A 2^70 `sid` gave
500 on every surface; a token with B's `sub` and A's live `sid` authenticated as B."""

from __future__ import annotations

import httpx

from parley.runtime import Runtime
from tests.support.accounts import Account

SURFACES = ("/v1/users/me", "/api/v1/me", "/users/me/", "/account/profile")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_out_of_range_ids_are_401_everywhere(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    for sub, sid in ((alice.id, 2**70), (2**70, alice.session_id), (alice.id, -1), (0, 0)):
        token, _ = runtime.signer.issue(sub, sid, 60)
        for path in SURFACES:
            response = await client.get(path, headers=bearer(token))
            assert response.status_code in (401, 403, 404), (path, sub, sid, response.text)
            assert response.status_code != 500


async def test_another_users_sub_on_a_live_session_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 200
    forged, _ = runtime.signer.issue(bob.id, alice.session_id, 60)
    response = await client.get("/v1/users/me", headers=bearer(forged))
    assert response.status_code == 401, response.text
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 200
