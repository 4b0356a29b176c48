"""Whisper seed (003): every endpoint and documented status code at the seed's paths.

The seed has no example bodies; these are what a Whisper client sends: base64 public keys,
PIN-encrypted private keys, channel keys and ciphertexts produced on the device."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from parley.kit.time import clock
from parley.messaging import keys
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account, unique_name
from tests.support.social import EventLog

API = "/api/v1"
PIN = "482915"


def b64(size: int = 32) -> str:
    return base64.b64encode(os.urandom(size)).decode()


@dataclass
class WhisperUser:
    uid: int
    user: str
    email: str
    token: str
    public_key: str
    encrypted_private_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register_body(**overrides: Any) -> dict[str, Any]:
    user = unique_name("w")
    body = {
        "name": f"Whisper {user}",
        "user": user,
        "password": PASSWORD,
        "email": f"{user}@example.com",
        "pin": PIN,
        "public_key": b64(65),
        "encrypted_private_key": b64(80),
    }
    body.update(overrides)
    return body


async def login(client: httpx.AsyncClient, user: str, password: str = PASSWORD) -> str:
    response = await client.post(f"{API}/auth/login", json={"user": user, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def whisper_user(client: httpx.AsyncClient, **overrides: Any) -> WhisperUser:
    body = register_body(**overrides)
    response = await client.post(f"{API}/users", json=body)
    assert response.status_code == 201, response.text
    token = await login(client, body["user"])
    me = (await client.get(f"{API}/me", headers={"Authorization": token})).json()
    return WhisperUser(
        me["uid"],
        body["user"],
        body["email"],
        token,
        body["public_key"],
        body["encrypted_private_key"],
    )


async def befriend(client: httpx.AsyncClient, a: WhisperUser, b: WhisperUser) -> None:
    response = await client.post(f"{API}/friends", json={"user": b.user}, headers=a.headers)
    assert response.status_code == 201, response.text


async def create_channel(client: httpx.AsyncClient, host: WhisperUser, attendee: int) -> int:
    response = await client.post(
        f"{API}/channels",
        json={
            "attendee": attendee,
            "key_encrypted_by_attendee_public_key": b64(48),
            "key_encrypted_by_host_public_key": b64(48),
        },
        headers=host.headers,
    )
    assert response.status_code == 201, response.text
    channel_id: int = response.json()["channel_id"]
    return channel_id


def assert_error(response: httpx.Response, status: int, contains: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"]
    assert isinstance(body["error"], str)
    assert contains.lower() in body["error"].lower()


# --- register, login, logout, me ----------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
async def test_register_login_and_me(client: httpx.AsyncClient, slash: str) -> None:
    body = register_body()
    response = await client.post(f"{API}/users{slash}", json=body)
    assert response.status_code == 201
    assert response.json() == {"error": ""}
    token = await login(client, body["user"])
    me = await client.get(f"{API}/me{slash}", headers={"Authorization": token})
    assert me.status_code == 200
    data = me.json()
    assert data == {
        "error": "",
        "uid": data["uid"],
        "user": body["user"],
        "name": body["name"],
        "profile": "",
        "email": body["email"],
        "public_key": body["public_key"],
    }
    assert isinstance(data["uid"], int)
    bearer = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.json() == data


async def test_register_refuses_taken_names_and_emails_with_422(
    client: httpx.AsyncClient,
) -> None:
    first = await whisper_user(client)
    taken_user = await client.post(f"{API}/users", json=register_body(user=first.user.upper()))
    assert_error(taken_user, 422, "taken")
    taken_email = await client.post(f"{API}/users", json=register_body(email=first.email.upper()))
    assert_error(taken_email, 422)


@pytest.mark.parametrize(
    "overrides",
    [
        {"user": "x"},
        {"user": "has space"},
        {"email": "not-an-email"},
        {"password": "short"},
        {"pin": "12"},
        {"name": "nul\x00name"},
        {"public_key": ""},
        {"encrypted_private_key": "x" * 20_000},
        {"pin": 123456},
    ],
)
async def test_register_bad_format_is_400(
    client: httpx.AsyncClient, overrides: dict[str, Any]
) -> None:
    body = register_body(**overrides)
    assert_error(await client.post(f"{API}/users", json=body), 400)


async def test_a_refused_registration_leaves_nothing_behind(client: httpx.AsyncClient) -> None:
    body = register_body(pin="12")  # the account row is written before the PIN is checked
    assert_error(await client.post(f"{API}/users", json=body), 400, "pin")
    assert (await client.post(f"{API}/users", json={**body, "pin": PIN})).status_code == 201


async def test_register_missing_fields_and_non_json_are_400(client: httpx.AsyncClient) -> None:
    body = register_body()
    del body["pin"]
    assert_error(await client.post(f"{API}/users", json=body), 400, "pin")
    assert_error(await client.post(f"{API}/users", content=b"{nope"), 400)


async def test_login_failures_are_401(client: httpx.AsyncClient) -> None:
    w = await whisper_user(client)
    wrong = await client.post(f"{API}/auth/login", json={"user": w.user, "password": "nope-nope"})
    assert_error(wrong, 401)
    unknown = await client.post(
        f"{API}/auth/login", json={"user": unique_name("ghost"), "password": PASSWORD}
    )
    assert_error(unknown, 401)
    assert_error(await client.post(f"{API}/auth/login/", json={"user": w.user}), 400)
    by_email = await client.post(f"{API}/auth/login", json={"user": w.email, "password": PASSWORD})
    assert by_email.status_code == 200


@pytest.fixture(scope="module")
async def limited(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(rate_limits_enabled=True, rate_login="3/minute")
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            yield client


async def test_rate_limits_answer_429_in_whisper_style(limited: httpx.AsyncClient) -> None:
    w = await whisper_user(limited)  # one login spent
    wrong = {"user": w.user, "password": "wrong-password"}
    for _ in range(2):
        assert_error(await limited.post(f"{API}/auth/login", json=wrong), 401)
    blocked = await limited.post(f"{API}/auth/login", json=wrong)
    assert_error(blocked, 429)
    assert int(blocked.headers["Retry-After"]) >= 1


async def test_token_is_long_lived_and_logout_revokes_it(client: httpx.AsyncClient) -> None:
    w = await whisper_user(client)
    other = await login(client, w.user)
    clock.advance(7 * 24 * 3600)  # a week later the single token still works
    assert (await client.get(f"{API}/me", headers=w.headers)).status_code == 200
    out = await client.post(f"{API}/auth/logout", headers=w.headers)
    assert out.status_code == 204
    assert out.content == b""
    assert_error(await client.get(f"{API}/me", headers=w.headers), 401)
    assert (await client.get(f"{API}/me", headers={"Authorization": other})).status_code == 200
    # without a token logout is 204 too (the seed lists only 204 and 500); a bad one is 401
    assert (await client.post(f"{API}/auth/logout/")).status_code == 204
    assert_error(await client.post(f"{API}/auth/logout", headers=w.headers), 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("GET", "/me/key"),
        ("PUT", "/users/me"),
        ("POST", "/friends"),
        ("DELETE", "/friends/1"),
        ("GET", "/friends/0"),
        ("POST", "/channels"),
        ("GET", "/channels/key/1"),
        ("POST", "/messages/1"),
        ("GET", "/messages/1/0"),
        ("GET", "/channels/0"),
    ],
)
async def test_authenticated_endpoints_answer_401_without_a_valid_token(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    assert_error(await client.request(method, f"{API}{path}", json={}), 401)
    bad = await client.request(
        method, f"{API}{path}", json={}, headers={"Authorization": "Bearer junk"}
    )
    assert_error(bad, 401)


# --- the private key behind the PIN ---------------------------------------------------------


async def test_private_key_with_the_pin(client: httpx.AsyncClient) -> None:
    w = await whisper_user(client)
    ok = await client.get(f"{API}/me/key", headers={**w.headers, "Pin": PIN})
    assert ok.status_code == 200
    assert ok.json() == {"error": "", "encrypted_private_key": w.encrypted_private_key}
    assert_error(await client.get(f"{API}/me/key/", headers=w.headers), 400, "pin")
    wrong = await client.get(f"{API}/me/key", headers={**w.headers, "Pin": "000000"})
    assert_error(wrong, 401, "9 tries left")
    assert (await client.get(f"{API}/me/key", headers={**w.headers, "Pin": PIN})).status_code == 200
    again = await client.get(f"{API}/me/key", headers={**w.headers, "Pin": "000000"})
    assert_error(again, 401, "9 tries left")  # the correct PIN reset the count


async def test_native_user_without_keys_gets_404_for_the_key(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.get(f"{API}/me/key", headers={**alice.headers, "Pin": PIN})
    assert_error(response, 404)


async def test_concurrent_wrong_pins_lock_the_key(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    w = await whisper_user(client)
    guesses = await asyncio.gather(
        *(
            client.get(f"{API}/me/key", headers={**w.headers, "Pin": f"{i:06d}"})
            for i in range(100_000, 100_025)
        )
    )
    assert [r.status_code for r in guesses] == [401] * 25
    locked = [r for r in guesses if "locked" in r.json()["error"]]
    assert len(locked) == 16  # tries 11-25; the 10th wrong PIN locks
    assert len(guesses) - len(locked) == 9
    right = await client.get(f"{API}/me/key", headers={**w.headers, "Pin": PIN})
    assert_error(right, 401, "locked")
    async with runtime.db.unit_of_work() as session:  # what `parley users unlock-key` does
        await keys.unlock_key(session, w.uid)
    unlocked = await client.get(f"{API}/me/key", headers={**w.headers, "Pin": PIN})
    assert unlocked.json() == {"error": "", "encrypted_private_key": w.encrypted_private_key}


# --- profiles -----------------------------------------------------------------------------


async def test_update_me_changes_the_profile_fields(client: httpx.AsyncClient) -> None:
    w = await whisper_user(client)
    change = {"name": "小明", "profile": "https://cdn.example.com/a/小明.png"}
    response = await client.put(f"{API}/users/me", json=change, headers=w.headers)
    assert response.status_code == 200
    assert response.json() == {"error": ""}
    me = (await client.get(f"{API}/me", headers=w.headers)).json()
    assert (me["name"], me["profile"]) == tuple(change.values())
    partial = await client.put(f"{API}/users/me/", json={"name": "Ming"}, headers=w.headers)
    assert partial.status_code == 200
    me = (await client.get(f"{API}/me", headers=w.headers)).json()
    assert (me["name"], me["user"], me["profile"]) == ("Ming", w.user, change["profile"])
    cleared = await client.put(f"{API}/users/me", json={"profile": ""}, headers=w.headers)
    assert cleared.status_code == 200
    assert (await client.get(f"{API}/me", headers=w.headers)).json()["profile"] == ""


async def test_update_me_refuses_an_email_or_user_change_with_409(
    client: httpx.AsyncClient,
) -> None:
    """The contract's update has no password: a login change goes the native verified way."""
    w = await whisper_user(client)
    for change in ({"email": f"{w.user}@example.org"}, {"user": unique_name("renamed")}):
        refused = await client.put(f"{API}/users/me", json=change, headers=w.headers)
        assert_error(refused, 409)
    same = await client.put(
        f"{API}/users/me", json={"email": w.email, "user": w.user}, headers=w.headers
    )
    assert same.status_code == 200
    me = (await client.get(f"{API}/me", headers=w.headers)).json()
    assert (me["user"], me["email"]) == (w.user, w.email)


async def test_update_me_conflicts_are_409_and_bad_input_400(client: httpx.AsyncClient) -> None:
    w = await whisper_user(client)
    other = await whisper_user(client)
    assert_error(
        await client.put(f"{API}/users/me", json={"email": other.email}, headers=w.headers), 409
    )
    assert_error(
        await client.put(f"{API}/users/me", json={"user": other.user}, headers=w.headers), 409
    )
    bodies: list[object] = [{"profile": "javascript:x"}, {"email": "no"}, {"user": "a b"}, []]
    for bad in bodies:
        assert_error(await client.put(f"{API}/users/me", json=bad, headers=w.headers), 400)
    me = (await client.get(f"{API}/me", headers=w.headers)).json()
    assert (me["user"], me["email"]) == (w.user, w.email)


async def test_any_user_by_uid_is_public(client: httpx.AsyncClient, alice: Account) -> None:
    w = await whisper_user(client)
    response = await client.get(f"{API}/users/{w.uid}")
    assert response.status_code == 200
    assert response.json() == {
        "error": "",
        "uid": w.uid,
        "user": w.user,
        "name": f"Whisper {w.user}",
        "profile": "",
        "public_key": w.public_key,
    }
    native = (await client.get(f"{API}/users/{alice.id}/")).json()
    assert (native["user"], native["name"], native["public_key"]) == (alice.username,) * 2 + ("",)
    assert_error(await client.get(f"{API}/users/{2**62}"), 404)
    assert_error(await client.get(f"{API}/users/abc"), 400)
    assert_error(await client.get(f"{API}/users/{2**64}"), 400)


# --- friends ------------------------------------------------------------------------------


async def test_friends_add_list_and_remove(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    await befriend(client, a, b)
    for me, them in ((a, b), (b, a)):  # friendship is mutual; adding back is 409
        again = await client.post(f"{API}/friends", json={"user": them.user}, headers=me.headers)
        assert_error(again, 409)
    listed = (await client.get(f"{API}/friends/0", headers=a.headers)).json()
    assert listed == {
        "error": "",
        "next": -1,
        "list": [
            {
                "uid": b.uid,
                "user": b.user,
                "name": f"Whisper {b.user}",
                "profile": "",
                "public_key": b.public_key,
                "channel_id": -1,
            }
        ],
    }
    channel_id = await create_channel(client, b, a.uid)
    listed = (await client.get(f"{API}/friends/0/", headers=a.headers)).json()
    assert listed["list"][0]["channel_id"] == channel_id
    removed = await client.delete(f"{API}/friends/{b.uid}", headers=a.headers)
    assert removed.status_code == 204
    assert (await client.get(f"{API}/friends/0", headers=b.headers)).json() == {
        "error": "",
        "next": -1,
        "list": [],
    }
    assert (await client.delete(f"{API}/friends/{b.uid}/", headers=a.headers)).status_code == 204
    assert (await client.delete(f"{API}/friends/{2**62}", headers=a.headers)).status_code == 204


async def test_friends_errors(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    unknown = await client.post(
        f"{API}/friends", json={"user": unique_name("ghost")}, headers=a.headers
    )
    assert_error(unknown, 404)
    yourself = await client.post(f"{API}/friends", json={"user": a.user}, headers=a.headers)
    assert_error(yourself, 409)
    assert_error(await client.post(f"{API}/friends", json={"uid": a.uid}, headers=a.headers), 409)
    by_uid = await client.post(f"{API}/friends", json={"uid": 2**62}, headers=a.headers)
    assert_error(by_uid, 404)
    both = {"user": a.user, "uid": a.uid}
    assert_error(await client.post(f"{API}/friends", json=both, headers=a.headers), 400)
    assert_error(await client.post(f"{API}/friends", json={}, headers=a.headers), 400)
    assert_error(await client.post(f"{API}/friends", json={"user": 5}, headers=a.headers), 400)
    assert_error(await client.get(f"{API}/friends/-1", headers=a.headers), 400)
    assert_error(await client.get(f"{API}/friends/abc", headers=a.headers), 400)
    assert_error(await client.delete(f"{API}/friends/abc", headers=a.headers), 400)


# --- channels and messages ----------------------------------------------------------------


async def test_channel_creation_rules(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    stranger = await whisper_user(client)
    body = {
        "attendee": b.uid,
        "key_encrypted_by_attendee_public_key": b64(48),
        "key_encrypted_by_host_public_key": b64(48),
    }
    assert_error(await client.post(f"{API}/channels", json=body, headers=a.headers), 403, "friend")
    await befriend(client, a, b)
    created = await client.post(f"{API}/channels/", json=body, headers=a.headers)
    assert created.status_code == 201
    channel_id = created.json()["channel_id"]
    assert created.json() == {"error": "", "channel_id": channel_id}
    assert_error(await client.post(f"{API}/channels", json=body, headers=a.headers), 409)
    back = {**body, "attendee": a.uid}
    assert_error(await client.post(f"{API}/channels", json=back, headers=b.headers), 409)
    members = ((a, "key_encrypted_by_host_public_key"), (b, "key_encrypted_by_attendee_public_key"))
    for who, field in members:
        got = await client.get(f"{API}/channels/key/{channel_id}", headers=who.headers)
        assert got.json() == {"error": "", "encrypted_key": body[field]}
    denied = await client.get(f"{API}/channels/key/{channel_id}/", headers=stranger.headers)
    assert_error(denied, 403)
    assert_error(await client.get(f"{API}/channels/key/{2**62}", headers=a.headers), 403)
    assert_error(await client.get(f"{API}/channels/key/x", headers=a.headers), 400)
    ghost = {**body, "attendee": 2**62}
    # an unknown attendee is just not a friend (DESIGN): nothing tells it does not exist
    assert_error(await client.post(f"{API}/channels", json=ghost, headers=a.headers), 403)
    own = {**body, "attendee": a.uid}
    assert_error(await client.post(f"{API}/channels", json=own, headers=a.headers), 409)
    missing = {"attendee": b.uid, "key_encrypted_by_host_public_key": b64()}
    assert_error(await client.post(f"{API}/channels", json=missing, headers=a.headers), 400)
    assert_error(
        await client.post(f"{API}/channels", json={**body, "attendee": "me"}, headers=a.headers),
        400,
    )


async def test_messages_and_channel_list(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client, profile="ignored")  # unknown fields are ignored
    stranger = await whisper_user(client)
    await befriend(client, b, a)
    await client.put(
        f"{API}/users/me", json={"profile": "https://img.example.com/b.jpg"}, headers=b.headers
    )
    channel_id = await create_channel(client, a, b.uid)
    empty = await client.get(f"{API}/messages/{channel_id}/0", headers=a.headers)
    assert empty.json() == {"error": "", "next": -1, "list": []}
    ciphertexts = [b64(40), b64(56)]
    ids = []
    before = int(clock.timestamp() * 1000)
    for author, text in zip((a, b), ciphertexts, strict=True):
        sent = await client.post(
            f"{API}/messages/{channel_id}", json={"encrypted_msg": text}, headers=author.headers
        )
        assert sent.status_code == 200
        assert list(sent.json()) == ["error", "message_id"]
        ids.append(sent.json()["message_id"])
    assert ids[1] > ids[0]
    page = (await client.get(f"{API}/messages/{channel_id}/0/", headers=b.headers)).json()
    assert page["next"] == -1
    assert [(m["encrypted_msg"], m["sender"]) for m in page["list"]] == [
        (ciphertexts[1], b.uid),
        (ciphertexts[0], a.uid),
    ]
    assert all(before - 1000 <= m["time"] <= before + 60_000 for m in page["list"])
    channels = (await client.get(f"{API}/channels/0", headers=a.headers)).json()
    key_for_a = (await client.get(f"{API}/channels/key/{channel_id}", headers=a.headers)).json()
    assert channels == {
        "error": "",
        "next": -1,
        "list": [
            {
                "channel_id": channel_id,
                "attendee": b.uid,
                "attendee_profile": "https://img.example.com/b.jpg",
                "encrypted_key": key_for_a["encrypted_key"],
                "last_encrypted_msg": ciphertexts[1],
            }
        ],
    }
    assert (await client.get(f"{API}/channels/0/", headers=stranger.headers)).json() == {
        "error": "",
        "next": -1,
        "list": [],
    }


async def test_message_errors(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    stranger = await whisper_user(client)
    await befriend(client, a, b)
    channel_id = await create_channel(client, a, b.uid)
    url = f"{API}/messages/{channel_id}"
    for bad in ({"encrypted_msg": ""}, {"encrypted_msg": "a\u0000b"}, {}):
        assert_error(await client.post(url, json=bad, headers=a.headers), 400)
    assert_error(
        await client.post(url, json={"encrypted_msg": b64()}, headers=stranger.headers), 403
    )
    assert_error(await client.get(f"{url}/0", headers=stranger.headers), 403)
    assert_error(await client.get(f"{API}/messages/{2**62}/0", headers=a.headers), 403)
    ghost = await client.post(
        f"{API}/messages/{2**62}", json={"encrypted_msg": b64()}, headers=a.headers
    )
    assert_error(ghost, 403)
    assert_error(await client.get(f"{url}/-5", headers=a.headers), 400)
    assert_error(await client.get(f"{API}/channels/x", headers=a.headers), 400)


# --- paging to the end --------------------------------------------------------------------


async def walk(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[list[Any]]:
    pages: list[list[Any]] = []
    cursor = 0
    while True:
        response = await client.get(f"{url}/{cursor}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["list"])
        if body["next"] == -1:
            return pages
        assert isinstance(body["next"], int)
        cursor = body["next"]


async def test_friends_channels_and_messages_page_to_the_end(client: httpx.AsyncClient) -> None:
    me = await whisper_user(client)
    friends = [await new_account(client, "pf") for _ in range(23)]
    for friend in friends:
        response = await client.post(
            f"{API}/friends", json={"user": friend.username}, headers=me.headers
        )
        assert response.status_code == 201
    pages = await walk(client, f"{API}/friends", me.headers)
    assert [len(p) for p in pages] == [20, 3]
    assert [f["uid"] for p in pages for f in p] == [f.id for f in reversed(friends)]

    channel_ids = [await create_channel(client, me, friend.id) for friend in friends[:22]]
    pages = await walk(client, f"{API}/channels", me.headers)
    assert [len(p) for p in pages] == [20, 2]
    assert [c["channel_id"] for p in pages for c in p] == channel_ids[::-1]
    assert [c["attendee"] for p in pages for c in p] == [f.id for f in friends[21::-1]]

    channel_id = channel_ids[0]
    sent = []
    for i in range(41):
        author = me.headers if i % 2 else friends[0].headers
        text = base64.b64encode(f"ciphertext {i}".encode()).decode()
        response = await client.post(
            f"{API}/messages/{channel_id}", json={"encrypted_msg": text}, headers=author
        )
        sent.append(text)
    pages = await walk(client, f"{API}/messages/{channel_id}", me.headers)
    assert [len(p) for p in pages] == [20, 20, 1]
    assert [m["encrypted_msg"] for p in pages for m in p] == sent[::-1]
    times = [m["time"] for p in pages for m in p]
    assert times == sorted(times, reverse=True)


# --- the same people and channels through the native API ----------------------------------


async def test_whisper_user_and_channel_are_native_ones(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    await befriend(client, a, b)
    channel_id = await create_channel(client, a, b.uid)
    host_key = (await client.get(f"{API}/channels/key/{channel_id}", headers=a.headers)).json()
    text = b64(64)
    await client.post(
        f"{API}/messages/{channel_id}", json={"encrypted_msg": text}, headers=b.headers
    )

    user = await client.get(f"/v1/users/{b.uid}", headers=a.headers)
    assert user.status_code == 200
    assert (user.json()["username"], user.json()["display_name"]) == (b.user, f"Whisper {b.user}")
    public = await client.get(f"/v1/users/{b.uid}/public-key", headers=a.headers)
    assert public.json()["public_key"] == b.public_key
    friends = (await client.get("/v1/friends", headers=a.headers)).json()
    assert [(f["user"]["id"], f["channel_id"]) for f in friends["items"]] == [(b.uid, channel_id)]

    channels = (await client.get("/v1/channels", headers=a.headers)).json()["items"]
    assert len(channels) == 1
    channel = channels[0]
    assert (channel["id"], channel["kind"], channel["encrypted"]) == (channel_id, "dm", True)
    assert channel["encrypted_key"] == host_key["encrypted_key"]
    assert channel["other_user"]["id"] == b.uid
    assert channel["last_message"]["content"] == text
    native_reply = await client.post(
        f"/v1/channels/{channel_id}/messages", json={"content": b64(16)}, headers=a.headers
    )
    assert native_reply.status_code == 201
    page = (await client.get(f"{API}/messages/{channel_id}/0", headers=b.headers)).json()
    assert [m["sender"] for m in page["list"]] == [a.uid, b.uid]
    unlock = await client.post("/v1/users/me/keys/unlock", json={"pin": PIN}, headers=a.headers)
    assert unlock.json()["encrypted_private_key"] == a.encrypted_private_key


async def test_native_user_signs_in_through_whisper(
    client: httpx.AsyncClient, alice: Account
) -> None:
    token = await login(client, alice.username)
    me = (await client.get(f"{API}/me", headers={"Authorization": token})).json()
    assert me == {
        "error": "",
        "uid": alice.id,
        "user": alice.username,
        "name": alice.username,
        "profile": "",
        "email": alice.email,
        "public_key": "",
    }
    sessions = (await client.get("/v1/sessions", headers=alice.headers)).json()
    assert sorted(s["surface"] for s in sessions) == ["native", "whisper"]


async def test_whisper_actions_reach_the_gateway_as_native_events(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    log = EventLog(runtime)
    a = await whisper_user(client)
    b = await whisper_user(client)
    mark = log.mark()
    await befriend(client, a, b)
    channel_id = await create_channel(client, a, b.uid)
    text, url = b64(24), f"{API}/messages/{channel_id}"
    await client.post(url, json={"encrypted_msg": text}, headers=a.headers)
    assert log.to(mark, b.uid, "friend.added")[0]["user"]["id"] == a.uid
    assert log.to(mark, b.uid, "channel.created")[0]["encrypted"] is True
    assert log.to(mark, b.uid, "message.created")[0]["content"] == text
    refused = log.mark()
    await client.post(url, json={"encrypted_msg": ""}, headers=a.headers)
    assert log.since(refused) == []


# --- behaviours of the original (ksw2000/ironman-2024 golang-server/whisper) ---------------


@pytest.mark.parametrize(
    "ciphertext",
    [
        "q83vEjRWeJDerb7v3q2+7w/AAECAwQFBgcICQoLDA0ODw==",  # base64
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c",  # hex, as some E2E libraries write
        '{"iv": "q83vEjRWeJA=", "ct": "3q2+7w==", "tag": "AAEC"}',  # a JSON envelope
    ],
    ids=["base64", "hex", "json-envelope"],
)
async def test_any_ciphertext_format_is_stored_as_sent(
    client: httpx.AsyncClient, ciphertext: str
) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    await befriend(client, a, b)
    channel_id = await create_channel(client, a, b.uid)
    sent = await client.post(
        f"{API}/messages/{channel_id}", json={"encrypted_msg": ciphertext}, headers=a.headers
    )
    assert sent.status_code == 200, sent.text
    page = (await client.get(f"{API}/messages/{channel_id}/0", headers=b.headers)).json()
    assert page["list"][0]["encrypted_msg"] == ciphertext


async def test_a_ciphertext_over_the_size_cap_is_400(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    await befriend(client, a, b)
    channel_id = await create_channel(client, a, b.uid)
    too_big = "x" * (settings.encrypted_message_max_bytes + 1)
    response = await client.post(
        f"{API}/messages/{channel_id}", json={"encrypted_msg": too_big}, headers=a.headers
    )
    assert_error(response, 400)


async def test_friends_by_uid_as_the_original_client_sends(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    added = await client.post(f"{API}/friends", json={"uid": b.uid}, headers=a.headers)
    assert added.status_code == 201
    assert added.json() == {"error": ""}
    listed = (await client.get(f"{API}/friends/0", headers=b.headers)).json()
    assert [f["uid"] for f in listed["list"]] == [a.uid]
    assert_error(await client.post(f"{API}/friends", json={"uid": a.uid}, headers=b.headers), 409)


async def test_the_singular_channel_key_path_of_the_original(client: httpx.AsyncClient) -> None:
    a = await whisper_user(client)
    b = await whisper_user(client)
    stranger = await whisper_user(client)
    await befriend(client, a, b)
    channel_id = await create_channel(client, a, b.uid)
    plural = await client.get(f"{API}/channels/key/{channel_id}", headers=a.headers)
    for slash in ("", "/"):
        singular = await client.get(f"{API}/channel/key/{channel_id}{slash}", headers=a.headers)
        assert singular.status_code == 200
        assert singular.json() == plural.json()
    assert_error(await client.get(f"{API}/channel/key/{channel_id}", headers=stranger.headers), 403)
    assert_error(await client.get(f"{API}/channel/key/{channel_id}"), 401)


async def test_a_non_friend_attendee_is_403_whether_or_not_it_exists(
    client: httpx.AsyncClient,
) -> None:
    a = await whisper_user(client)
    stranger = await whisper_user(client)
    body = {
        "key_encrypted_by_attendee_public_key": b64(48),
        "key_encrypted_by_host_public_key": b64(48),
    }
    for attendee in (stranger.uid, 2**62):
        response = await client.post(
            f"{API}/channels", json={**body, "attendee": attendee}, headers=a.headers
        )
        assert_error(response, 403, "friend")
