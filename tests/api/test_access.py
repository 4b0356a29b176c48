from __future__ import annotations

import httpx

from parley.runtime import Runtime
from tests.support.access import give_roles, new_app, with_app
from tests.support.accounts import Account, new_account, unique_name


async def admin_account(client: httpx.AsyncClient, runtime: Runtime) -> Account:
    account = await new_account(client, "admin")
    await give_roles(runtime, account.id, runtime.settings.admin_role)
    return account


# --- roles ---------------------------------------------------------------------------------


async def test_admin_creates_lists_and_deletes_roles(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await admin_account(client, runtime)
    name = unique_name("role")
    created = await client.post("/v1/roles", json={"name": name}, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json() == {"name": name}
    again = await client.post("/v1/roles", json={"name": name}, headers=admin.headers)
    assert again.status_code == 409
    listed = await client.get("/v1/roles", headers=admin.headers)
    assert name in [r["name"] for r in listed.json()]
    deleted = await client.delete(f"/v1/roles/{name}", headers=admin.headers)
    assert deleted.status_code == 204
    missing = await client.delete(f"/v1/roles/{name}", headers=admin.headers)
    assert missing.status_code == 404


async def test_role_admin_needs_admin_role_or_super_app(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    plain_app = await new_app(runtime)
    super_app = await new_app(runtime, is_super=True)
    assert (await client.get("/v1/roles")).status_code == 401
    assert (await client.get("/v1/roles", headers=alice.headers)).status_code == 403
    assert (await client.get("/v1/roles", headers=plain_app.headers)).status_code == 403
    assert (
        await client.get("/v1/roles", headers=with_app(alice.headers, plain_app))
    ).status_code == 403
    assert (await client.get("/v1/roles", headers={"x-app-token": "nope"})).status_code == 401
    assert (await client.get("/v1/roles", headers=super_app.headers)).status_code == 200
    bad = await client.post("/v1/roles", json={"name": ""}, headers=super_app.headers)
    assert bad.status_code == 422


async def test_replacing_user_roles_creates_unknown_ones_and_bumps_profile_version(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    admin = await admin_account(client, runtime)
    before = (await client.get("/v1/data-versions", headers=bob.headers)).json()
    fresh = unique_name("r")
    response = await client.put(
        f"/v1/users/{bob.id}/roles", json={"roles": [fresh, "student"]}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"roles": sorted([fresh, "student"])}
    mine = await client.get("/v1/users/me/roles", headers=bob.headers)
    assert mine.json() == {"roles": sorted([fresh, "student"])}
    after = (await client.get("/v1/data-versions", headers=bob.headers)).json()
    assert after["profile_version"] > before["profile_version"]
    replaced = await client.put(
        f"/v1/users/{bob.id}/roles", json={"roles": ["student"]}, headers=admin.headers
    )
    assert replaced.json() == {"roles": ["student"]}
    read = await client.get(f"/v1/users/{bob.id}/roles", headers=admin.headers)
    assert read.json() == {"roles": ["student"]}
    # a plain user cannot read or change another user's roles
    denied = await client.put(
        f"/v1/users/{bob.id}/roles", json={"roles": ["admin"]}, headers=alice.headers
    )
    assert denied.status_code == 403
    assert (await client.get(f"/v1/users/{bob.id}/roles", headers=alice.headers)).status_code == 403
    missing = await client.put(
        "/v1/users/999999999/roles", json={"roles": []}, headers=admin.headers
    )
    assert missing.status_code == 404
    bad = await client.put(
        f"/v1/users/{bob.id}/roles", json={"roles": "admin"}, headers=admin.headers
    )
    assert bad.status_code == 422


# --- apps ----------------------------------------------------------------------------------


async def test_admin_manages_apps_and_token_is_shown_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await admin_account(client, runtime)
    url = f"https://{unique_name('a')}.example.com"
    created = await client.post(
        "/v1/apps",
        json={"url": url, "name": "Schedule", "super": False, "roles": ["student"]},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    token = body["token"]
    assert body["roles"] == ["student"]
    assert body["super"] is False
    dup = await client.post("/v1/apps", json={"url": url, "name": "x"}, headers=admin.headers)
    assert dup.status_code == 409
    listed = (await client.get("/v1/apps", headers=admin.headers)).json()
    entry = next(a for a in listed if a["url"] == url)
    assert "token" not in entry
    # the token works as x-app-token
    own = await client.get(
        "/v1/apps/current/payload", headers={**admin.headers, "x-app-token": token}
    )
    assert own.status_code == 200
    rotated = await client.post(f"/v1/apps/{body['id']}/rotate-token", headers=admin.headers)
    assert rotated.status_code == 200
    old = await client.get(
        "/v1/apps/current/payload", headers={**admin.headers, "x-app-token": token}
    )
    assert old.status_code == 401
    new = await client.get(
        "/v1/apps/current/payload",
        headers={**admin.headers, "x-app-token": rotated.json()["token"]},
    )
    assert new.status_code == 200
    roles = await client.put(
        f"/v1/apps/{body['id']}/roles", json={"roles": ["teacher"]}, headers=admin.headers
    )
    assert roles.json()["roles"] == ["teacher"]
    assert (await client.delete(f"/v1/apps/{body['id']}", headers=admin.headers)).status_code == 204
    assert (await client.delete(f"/v1/apps/{body['id']}", headers=admin.headers)).status_code == 404
    assert (
        await client.post("/v1/apps/999999999/rotate-token", headers=admin.headers)
    ).status_code == 404


async def test_app_admin_is_refused_to_users_and_plain_apps(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    plain = await new_app(runtime)
    body = {"url": "https://evil.example.com", "name": "evil", "super": True}
    assert (await client.post("/v1/apps", json=body)).status_code == 401
    assert (await client.post("/v1/apps", json=body, headers=alice.headers)).status_code == 403
    assert (await client.post("/v1/apps", json=body, headers=plain.headers)).status_code == 403
    rotate = await client.post(f"/v1/apps/{plain.id}/rotate-token", headers=plain.headers)
    assert rotate.status_code == 403
    delete = await client.delete(f"/v1/apps/{plain.id}", headers=alice.headers)
    assert delete.status_code == 403


async def test_bad_app_input_is_rejected(client: httpx.AsyncClient, runtime: Runtime) -> None:
    admin = await admin_account(client, runtime)
    spaced = await client.post(
        "/v1/apps", json={"url": "has space", "name": "x"}, headers=admin.headers
    )
    assert spaced.status_code == 400
    missing = await client.post("/v1/apps", json={"name": "x"}, headers=admin.headers)
    assert missing.status_code == 422


# --- payloads ------------------------------------------------------------------------------


async def test_app_replaces_its_own_payload_for_the_signed_in_user(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    app = await new_app(runtime, name="Schedule")
    headers = with_app(alice.headers, app)
    assert (await client.get("/v1/apps/current/payload", headers=headers)).json() == {}
    first = await client.put(
        "/v1/apps/current/payload", json={"role": "STUDENT", "variants": [1]}, headers=headers
    )
    assert first.status_code == 200, first.text
    second = await client.put("/v1/apps/current/payload", json={"role": "TEACHER"}, headers=headers)
    assert second.json() == {"role": "TEACHER"}
    assert (await client.get("/v1/apps/current/payload", headers=headers)).json() == {
        "role": "TEACHER"
    }
    mine = await client.get("/v1/users/me/apps", headers=alice.headers)
    assert mine.json() == [{"url": app.url, "name": "Schedule", "payload": {"role": "TEACHER"}}]
    # bob sees nothing of alice's payload
    assert (await client.get("/v1/users/me/apps", headers=bob.headers)).json() == []
    bobs = await client.get("/v1/apps/current/payload", headers=with_app(bob.headers, app))
    assert bobs.json() == {}


async def test_own_payload_needs_both_tokens_and_valid_bodies(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    app = await new_app(runtime)
    assert (await client.get("/v1/apps/current/payload", headers=app.headers)).status_code == 401
    assert (await client.get("/v1/apps/current/payload", headers=alice.headers)).status_code == 401
    assert (await client.get("/v1/users/me/apps")).status_code == 401
    headers = with_app(alice.headers, app)
    not_object = await client.put("/v1/apps/current/payload", json=[1, 2], headers=headers)
    assert not_object.status_code == 422
    huge = {"blob": "x" * (runtime.settings.app_payload_max_bytes + 1)}
    too_big = await client.put("/v1/apps/current/payload", json=huge, headers=headers)
    assert too_big.status_code == 413
    assert (await client.get("/v1/apps/current/payload", headers=headers)).json() == {}


async def test_super_app_replaces_payloads_of_other_apps_by_url(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    boss = await new_app(runtime, is_super=True)
    one, two = await new_app(runtime), await new_app(runtime)
    response = await client.patch(
        f"/v1/users/{bob.id}/apps",
        json={one.url: {"a": 1}, two.url: {"b": 2}, "https://unknown.example": {"c": 3}},
        headers=boss.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {one.url: {"a": 1}, two.url: {"b": 2}}
    single = await client.put(
        f"/v1/apps/{one.id}/payloads/{bob.id}", json={"z": True}, headers=boss.headers
    )
    assert single.json() == {"z": True}
    read = await client.get(f"/v1/apps/{one.id}/payloads/{bob.id}", headers=boss.headers)
    assert read.json() == {"z": True}
    mine = {
        p["url"]: p["payload"]
        for p in (await client.get("/v1/users/me/apps", headers=bob.headers)).json()
    }
    assert mine == {one.url: {"z": True}, two.url: {"b": 2}}
    # a non-super app, or a user without an app, cannot
    denied = await client.patch(
        f"/v1/users/{bob.id}/apps", json={one.url: {}}, headers=with_app(alice.headers, one)
    )
    assert denied.status_code == 403
    assert (
        await client.put(f"/v1/apps/{two.id}/payloads/{bob.id}", json={}, headers=one.headers)
    ).status_code == 403
    assert (
        await client.get(f"/v1/apps/{two.id}/payloads/{bob.id}", headers=alice.headers)
    ).status_code == 401
    assert (
        await client.put(f"/v1/apps/999999999/payloads/{bob.id}", json={}, headers=boss.headers)
    ).status_code == 404
    assert (
        await client.patch("/v1/users/999999999/apps", json={}, headers=boss.headers)
    ).status_code == 404


# --- menu ----------------------------------------------------------------------------------


async def test_menu_lists_apps_reachable_through_roles_once(
    client: httpx.AsyncClient, runtime: Runtime, bob: Account
) -> None:
    role_a, role_b = unique_name("ra"), unique_name("rb")
    both = await new_app(runtime, roles=(role_a, role_b), name="Both")
    only_a = await new_app(runtime, roles=(role_a,), name="OnlyA")
    await new_app(runtime, roles=(unique_name("other"),), name="Hidden")
    user = await new_account(client, "menu")
    assert (await client.get("/v1/menu", headers=user.headers)).json() == []
    await give_roles(runtime, user.id, role_a, role_b)
    menu = (await client.get("/v1/menu", headers=user.headers)).json()
    assert [item["url"] for item in menu] == [both.url, only_a.url]
    assert menu[0] == {"url": both.url, "name": "Both", "role": min(role_a, role_b)}
    assert (await client.get("/v1/menu", headers=bob.headers)).json() == []
    assert (await client.get("/v1/menu")).status_code == 401
