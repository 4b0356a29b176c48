"""Look-alike usernames are one name: fullwidth, case, dotless i and whole-script look-alikes
fold to one key; names mixing scripts are refused; names in one non-Latin script stay
valid (#13 item 10)."""

from __future__ import annotations

import httpx

from parley.identity.accounts.validation import username_key
from tests.support.accounts import PASSWORD, Account, new_account, unique_name

CYRILLIC_A = "\u0430"
DOTLESS_I = "\u0131"


def fullwidth(name: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c != "_" else "\uff3f" for c in name)


async def register(client: httpx.AsyncClient, username: str) -> httpx.Response:
    body = {"username": username, "email": f"{unique_name('m')}@example.com", "password": PASSWORD}
    return await client.post("/v1/auth/register", json=body)


async def test_look_alikes_of_a_taken_name_are_taken(client: httpx.AsyncClient) -> None:
    base = f"{unique_name('alice')}"
    assert (await register(client, base)).status_code == 201
    for look_alike in (fullwidth(base), base.upper(), base.replace("i", DOTLESS_I)):
        response = await register(client, look_alike)
        assert response.status_code == 409, (look_alike, response.text)
        assert response.json()["error"]["code"] == "username_taken"


async def test_a_name_mixing_scripts_is_refused(client: httpx.AsyncClient) -> None:
    response = await register(client, CYRILLIC_A + unique_name("lice"))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_username"


async def test_names_in_one_script_stay_valid(client: httpx.AsyncClient) -> None:
    suffix = unique_name("x")[2:]
    cyrillic = f"\u0430\u043b\u0438\u0441\u0430_{suffix.translate(_DIGITS_ONLY)}"
    response = await register(client, cyrillic)
    assert response.status_code == 201, response.text
    assert response.json()["username"] == cyrillic


async def test_a_whole_script_look_alike_of_a_latin_name_is_taken(
    client: httpx.AsyncClient,
) -> None:
    tail = unique_name("x")[2:].translate(_DIGITS_ONLY)
    assert (await register(client, f"ace_{tail}")).status_code == 201
    cyrillic_ace = f"\u0430\u0441\u0435_{tail}"
    assert (await register(client, cyrillic_ace)).status_code == 409


async def test_renaming_to_a_look_alike_is_refused(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await client.patch(
        "/v1/users/me",
        json={"username": fullwidth(alice.username), "current_password": PASSWORD},
        headers=bob.headers,
    )
    assert response.status_code == 409, response.text
    mixed = await client.patch(
        "/v1/users/me",
        json={"username": CYRILLIC_A + "bc_def", "current_password": PASSWORD},
        headers=bob.headers,
    )
    assert mixed.status_code == 400, mixed.text


async def test_dialect_registration_uses_the_same_rule(
    client: httpx.AsyncClient, alice: Account
) -> None:
    whisper = await client.post(
        "/api/v1/users",
        json={
            "name": "W",
            "user": fullwidth(alice.username),
            "password": PASSWORD,
            "email": f"{unique_name('w')}@example.com",
            "pin": "482915",
            "public_key": "AAAA",
            "encrypted_private_key": "AAAA",
        },
    )
    assert whisper.status_code == 422, whisper.text  # Whisper's answer for a taken name


async def test_signing_in_by_a_look_alike_reaches_the_same_account(
    client: httpx.AsyncClient,
) -> None:
    account = await new_account(client, "look")
    login = await client.post(
        "/v1/auth/login", json={"login": fullwidth(account.username), "password": PASSWORD}
    )
    assert login.status_code == 200
    assert username_key(fullwidth(account.username)) == username_key(account.username)


_DIGITS_ONLY = str.maketrans("abcdefghijklmnopqrstuvwxyz", "01234567890123456789012345")
