from __future__ import annotations

import httpx

from parley.runtime import Runtime
from tests.support.access import new_app, with_app
from tests.support.accounts import PASSWORD, Account, login, new_account, unique_name


async def test_patch_me_updates_profile_fields_and_bumps_version(
    client: httpx.AsyncClient, alice: Account
) -> None:
    before = (await client.get("/v1/users/me/profile", headers=alice.headers)).json()
    response = await client.patch(
        "/v1/users/me",
        json={
            "first_name": "Alice",
            "last_name": "Liddell",
            "second_name": "Pleasance",
            "display_name": "Alice L.",
            "birthday": "2000-05-04",
            "bio": "  Down the rabbit hole  ",
            "status": "late",
            "contacts": {"tg": "@alice", "vk": "id1"},
            "locale": "ru-RU",
            "country": "ru",
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["bio"] == "Down the rabbit hole"
    assert me["country"] == "RU"
    assert me["birthday"] == "2000-05-04"
    assert me["contacts"] == {"tg": "@alice", "vk": "id1"}
    assert me["profile_version"] == before["profile_version"] + 1
    # unchanged values do not bump
    again = await client.patch("/v1/users/me", json={"status": "late"}, headers=alice.headers)
    assert again.json()["profile_version"] == me["profile_version"]
    cleared = await client.patch("/v1/users/me", json={"bio": None}, headers=alice.headers)
    assert cleared.json()["bio"] is None
    assert cleared.json()["first_name"] == "Alice"


async def test_public_view_hides_private_fields(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await client.patch(
        "/v1/users/me", json={"bio": "hi", "birthday": "1999-01-01"}, headers=alice.headers
    )
    response = await client.get(f"/v1/users/{alice.id}", headers=bob.headers)
    assert response.status_code == 200
    view = response.json()
    assert view["username"] == alice.username
    assert view["bio"] == "hi"
    assert "email" not in view
    assert "birthday" not in view
    assert "locale" not in view
    assert view["avatar_url"] is None
    assert (await client.get(f"/v1/users/{alice.id}")).status_code == 401
    assert (await client.get("/v1/users/999999999", headers=bob.headers)).status_code == 404
    assert (await client.get("/v1/users/abc", headers=bob.headers)).status_code == 422


async def test_username_and_email_change_and_conflicts(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    reauth = {"current_password": PASSWORD}
    taken_name = await client.patch(
        "/v1/users/me", json={"username": bob.username.upper(), **reauth}, headers=alice.headers
    )
    assert taken_name.status_code == 409
    assert taken_name.json()["error"]["code"] == "username_taken"
    taken_email = await client.patch(
        "/v1/users/me", json={"email": bob.email.upper(), **reauth}, headers=alice.headers
    )
    assert taken_email.status_code == 409
    assert taken_email.json()["error"]["code"] == "email_taken"
    new_name = unique_name("renamed")
    renamed = await client.patch(
        "/v1/users/me",
        json={"username": new_name, "email": f"{new_name}@example.com", **reauth},
        headers=alice.headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["username"] == new_name
    # the new address is pending until the code mailed to it comes back
    assert renamed.json()["email"] == alice.email
    assert renamed.json()["email_change"]["pending_email"] == f"{new_name}@example.com"
    assert (await login(client, new_name))["user"]["id"] == alice.id


async def test_patch_me_rejects_bad_input(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await client.patch("/v1/users/me", json={"bio": "x"})).status_code == 401
    cases = [
        {"username": "a b c"},
        {"email": "not-an-email"},
        {"country": "R1"},
        {"birthday": "yesterday"},
        {"contacts": {"tg": 5}},
        {"contacts": {"": "x"}},
        {"password_hash": "x"},
        {"bio": "x" * 5000},
    ]
    for body in cases:
        response = await client.patch("/v1/users/me", json=body, headers=alice.headers)
        assert 400 <= response.status_code < 500, (body, response.text)


async def test_username_search_exact_and_prefix_case_insensitive_paged(
    client: httpx.AsyncClient, alice: Account
) -> None:
    stem = unique_name("Srch")
    made = [await new_account(client, username=f"{stem}{i}") for i in range(5)]
    await new_account(client, username=f"x{stem}")
    page = await client.get(
        "/v1/users", params={"username": stem.upper(), "limit": 2}, headers=alice.headers
    )
    assert page.status_code == 200, page.text
    first = page.json()
    assert [u["username"] for u in first["items"]] == [f"{stem}0", f"{stem}1"]
    names = [u["username"] for u in first["items"]]
    after = first["next_after"]
    while after:
        more = (
            await client.get(
                "/v1/users",
                params={"username": stem, "limit": 2, "after": after},
                headers=alice.headers,
            )
        ).json()
        names += [u["username"] for u in more["items"]]
        after = more["next_after"]
    assert names == [m.username for m in made]
    exact = await client.get(
        "/v1/users",
        params={"username": f"{stem}3".lower(), "match": "exact"},
        headers=alice.headers,
    )
    assert [u["id"] for u in exact.json()["items"]] == [made[3].id]
    # LIKE wildcards are literal
    wild = await client.get("/v1/users", params={"username": "%"}, headers=alice.headers)
    assert wild.json()["items"] == []


async def test_username_search_rejects_bad_input(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await client.get("/v1/users", params={"username": "a"})).status_code == 401
    for params in (
        {},
        {"username": ""},
        {"username": "x" * 40},
        {"username": "a", "limit": 0},
        {"username": "a", "match": "regex"},
    ):
        response = await client.get("/v1/users", params=params, headers=alice.headers)
        assert response.status_code == 422, params


async def test_data_versions_follow_profile_and_schedule(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    start = (await client.get("/v1/data-versions", headers=alice.headers)).json()
    await client.patch("/v1/users/me", json={"status": "busy"}, headers=alice.headers)
    after_edit = (await client.get("/v1/data-versions", headers=alice.headers)).json()
    assert after_edit["profile_version"] == start["profile_version"] + 1
    bobs = (await client.get("/v1/data-versions", headers=bob.headers)).json()
    assert bobs["profile_version"] == 0
    boss = await new_app(runtime, is_super=True)
    bumped = await client.post("/v1/data-versions/schedule/bump", headers=boss.headers)
    assert bumped.status_code == 200
    assert bumped.json()["schedule_version"] >= start["schedule_version"] + 1
    now = (await client.get("/v1/data-versions", headers=bob.headers)).json()
    assert now["schedule_version"] == bumped.json()["schedule_version"]
    # app payload changes bump the profile version too
    app = await new_app(runtime)
    await client.put(
        "/v1/apps/current/payload", json={"role": "STUDENT"}, headers=with_app(alice.headers, app)
    )
    last = (await client.get("/v1/data-versions", headers=alice.headers)).json()
    assert last["profile_version"] == after_edit["profile_version"] + 1


async def test_schedule_bump_needs_a_super_app(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    plain = await new_app(runtime)
    assert (await client.get("/v1/data-versions")).status_code == 401
    assert (await client.post("/v1/data-versions/schedule/bump")).status_code == 401
    assert (
        await client.post("/v1/data-versions/schedule/bump", headers=alice.headers)
    ).status_code == 401
    assert (
        await client.post("/v1/data-versions/schedule/bump", headers=with_app(alice.headers, plain))
    ).status_code == 403
