"""Property tests through the API: cursors never cause a 5xx; the PIN counter follows its model."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.accounts import Account, new_account
from tests.support.social import open_dm

CURSOR = (
    st.integers(min_value=-(2**80), max_value=2**80).map(str)
    | st.text(max_size=30)
    | st.sampled_from(["", "0", "-1", "1e3", "0x10", " 5", "9223372036854775807", "NaN"])
)
FIXTURES = [HealthCheck.function_scoped_fixture]


@settings(suppress_health_check=FIXTURES, max_examples=60, deadline=None)
@given(name=st.sampled_from(["before", "after", "around"]), value=CURSOR)
async def test_message_cursors_are_validated_never_a_server_error(
    client: httpx.AsyncClient, alice: Account, bob: Account, name: str, value: str
) -> None:
    channel = await open_dm(client, alice, bob)
    response = await client.get(
        f"/v1/channels/{channel}/messages", params={name: value}, headers=alice.headers
    )
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code == 200:
        assert int(value) >= 0


@settings(suppress_health_check=FIXTURES, max_examples=40, deadline=None)
@given(path=st.sampled_from(["/v1/friends", "/v1/channels"]), value=CURSOR)
async def test_list_cursors_are_validated_never_a_server_error(
    client: httpx.AsyncClient, alice: Account, path: str, value: str
) -> None:
    response = await client.get(path, params={"before": value}, headers=alice.headers)
    assert response.status_code in (200, 400, 422), response.text


PIN = "123456"
MAX_ATTEMPTS = 10


@settings(suppress_health_check=FIXTURES, max_examples=8, deadline=None)
@given(guesses=st.lists(st.booleans(), min_size=1, max_size=14))
async def test_the_pin_counter_matches_its_model(
    client: httpx.AsyncClient, guesses: list[bool]
) -> None:
    """For any sequence of right (True) and wrong (False) PINs: a right one resets the count,
    ten wrong ones in a row lock the key for good, and every answer reports the tries left."""
    who = await new_account(client, "pin")
    keys = {"public_key": "pk", "encrypted_private_key": "epk", "pin": PIN}
    assert (await client.put("/v1/users/me/keys", json=keys, headers=who.headers)).is_success
    failures, locked = 0, False
    for right in guesses:
        response = await client.post(
            "/v1/users/me/keys/unlock",
            json={"pin": PIN if right else "000000"},
            headers=who.headers,
        )
        if not locked and right:
            failures = 0
            assert response.status_code == 200, response.text
        elif not locked:
            failures += 1
            locked = failures >= MAX_ATTEMPTS
            expected = 423 if locked else 403
            assert response.status_code == expected, response.text
            assert response.json()["error"]["tries_left"] == MAX_ATTEMPTS - failures
        else:
            assert response.status_code == 423, response.text
            assert response.json()["error"]["tries_left"] == 0
        status = (await client.get("/v1/users/me/keys", headers=who.headers)).json()
        assert (status["locked"], status["tries_left"]) == (locked, MAX_ATTEMPTS - failures)


async def test_around_the_largest_id_is_an_empty_page_not_a_server_error(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel = await open_dm(client, alice, bob)
    response = await client.get(
        f"/v1/channels/{channel}/messages",
        params={"around": str(2**63 - 1)},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_before": None, "next_after": None}


async def test_the_largest_channel_id_is_not_found_not_a_server_error(
    client: httpx.AsyncClient, alice: Account
) -> None:
    largest = 2**63 - 1
    response = await client.get(f"/v1/channels/{largest}", headers=alice.headers)
    assert response.status_code == 404, response.text
    # DiscordApi answers a chat the caller is not in with 400 (seed and original), in its own style.
    response = await client.get(
        f"/private/{largest}/messages", params={"limit": 1, "offset": 0}, headers=alice.headers
    )
    assert response.status_code == 400, response.text
    assert "detail" in response.json()
