"""Roles, apps and OpenID Connect clients in the admin console: secrets shown once,
rotation, exact validated redirect URIs, deletion; every change audited."""

from __future__ import annotations

import httpx

from parley.runtime import Runtime
from tests.admin.conftest import REAUTH, audit_of
from tests.support.access import new_app
from tests.support.accounts import Account, unique_name


async def create(client: httpx.AsyncClient, admin: Account, **fields: object) -> httpx.Response:
    url = f"https://{unique_name('app')}.example.com"
    body = {"url": url, "name": "Wiki", **fields}
    return await client.post("/v1/admin/apps", json=body, headers=admin.headers)


async def test_granting_and_revoking_a_role_is_audited(
    client: httpx.AsyncClient, runtime: Runtime, admin: Account, bob: Account
) -> None:
    role = unique_name("role")
    await new_app(runtime, roles=(role,))
    granted = await client.post(
        f"/v1/admin/users/{bob.id}/roles", json={"role": role}, headers=admin.headers
    )
    assert granted.json() == {"roles": [role]}
    roles = (await client.get("/v1/admin/roles", headers=admin.headers)).json()
    (listed,) = [r for r in roles if r["name"] == role]
    assert len(listed["apps"]) == 1
    menu = (await client.get("/v1/menu", headers=bob.headers)).json()
    assert [item["role"] for item in menu] == [role]
    revoked = await client.delete(f"/v1/admin/users/{bob.id}/roles/{role}", headers=admin.headers)
    assert revoked.json() == {"roles": []}
    kinds = [e["kind"] for e in await audit_of(client, admin, user_id=bob.id)]
    assert kinds[:2] == ["admin.role_revoked", "admin.role_granted"]
    (record,) = await audit_of(client, admin, user_id=bob.id, kind="admin.role_granted")
    assert record["detail"]["role"] == role


async def test_bad_role_input_is_a_4xx(
    client: httpx.AsyncClient, admin: Account, bob: Account
) -> None:
    url = f"/v1/admin/users/{bob.id}/roles"
    for body in ({}, {"role": ""}, {"role": "x" * 65}):
        assert (await client.post(url, json=body, headers=admin.headers)).status_code == 422
    blank = await client.post(url, json={"role": "   "}, headers=admin.headers)
    assert blank.status_code == 400
    assert blank.json()["error"]["code"] == "invalid_role_name"
    too_long = await client.delete(f"{url}/{'x' * 65}", headers=admin.headers)
    assert too_long.status_code == 422
    missing = await client.post(
        "/v1/admin/users/999999999/roles", json={"role": "x"}, headers=admin.headers
    )
    assert missing.status_code == 404


async def test_a_new_client_shows_its_token_and_secret_once(
    client: httpx.AsyncClient, admin: Account
) -> None:
    created = await create(client, admin, redirect_uris=["https://wiki.example.com/cb"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token"]
    assert body["client_secret"]
    assert body["oidc"]["redirect_uris"] == ["https://wiki.example.com/cb"]
    listed = await client.get("/v1/admin/apps", headers=admin.headers)
    (entry,) = [a for a in listed.json() if a["id"] == body["id"]]
    assert "token" not in entry
    assert "client_secret" not in entry
    assert body["token"] not in listed.text
    assert body["client_secret"] not in listed.text
    assert entry["oidc"]["client_id"] == body["oidc"]["client_id"]
    (record,) = [
        e
        for e in await audit_of(client, admin, kind="admin.app_created")
        if e["detail"]["app_id"] == body["id"]
    ]
    assert record["actor_id"] == admin.id
    assert body["token"] not in str(record)
    assert body["client_secret"] not in str(record)


async def test_rotating_the_secret_and_token_needs_reauthentication(
    client: httpx.AsyncClient, admin: Account
) -> None:
    body = (await create(client, admin, redirect_uris=["https://wiki.example.com/cb"])).json()
    secret_url = f"/v1/admin/apps/{body['id']}/rotate-secret"
    assert (await client.post(secret_url, headers=admin.headers)).status_code == 403
    rotated = await client.post(secret_url, json=REAUTH, headers=admin.headers)
    assert rotated.status_code == 200
    assert rotated.json()["client_secret"] != body["client_secret"]
    token_url = f"/v1/admin/apps/{body['id']}/rotate-token"
    new_token = (await client.post(token_url, json=REAUTH, headers=admin.headers)).json()["token"]
    assert new_token != body["token"]
    old = await client.get(
        "/v1/apps/current/payload", headers={**admin.headers, "x-app-token": body["token"]}
    )
    assert old.status_code == 401
    kinds = {e["kind"] for e in await audit_of(client, admin, user_id=admin.id)}
    assert {"admin.client_secret_rotated", "admin.app_token_rotated"} <= kinds


async def test_a_public_client_or_plain_app_has_no_secret_to_rotate(
    client: httpx.AsyncClient, admin: Account
) -> None:
    public = (
        await create(client, admin, redirect_uris=["https://a.example/cb"], public=True)
    ).json()
    assert public["client_secret"] is None
    refused = await client.post(
        f"/v1/admin/apps/{public['id']}/rotate-secret", json=REAUTH, headers=admin.headers
    )
    assert refused.status_code == 400
    plain = (await create(client, admin)).json()
    assert plain["oidc"] is None
    assert plain["client_secret"] is None
    missing = await client.post(
        f"/v1/admin/apps/{plain['id']}/rotate-secret", json=REAUTH, headers=admin.headers
    )
    assert missing.status_code == 404


async def test_redirect_uris_are_validated_and_replaced_exactly(
    client: httpx.AsyncClient, admin: Account
) -> None:
    body = (await create(client, admin, redirect_uris=["https://wiki.example.com/cb"])).json()
    url = f"/v1/admin/apps/{body['id']}/redirect-uris"
    for bad in (
        ["http://wiki.example.com/cb"],
        ["https://wiki.example.com/cb#frag"],
        ["javascript:alert(1)"],
        ["not a url"],
        ["/relative"],
    ):
        refused = await client.put(url, json={"redirect_uris": bad}, headers=admin.headers)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["code"] == "invalid_redirect_uri"
    assert (
        await client.put(url, json={"redirect_uris": []}, headers=admin.headers)
    ).status_code == 422
    wanted = ["https://wiki.example.com/a", "http://127.0.0.1:9000/cb", "com.example.app:/cb"]
    replaced = await client.put(url, json={"redirect_uris": wanted}, headers=admin.headers)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["oidc"]["redirect_uris"] == wanted
    (record,) = [
        e
        for e in await audit_of(client, admin, kind="admin.redirect_uris_set")
        if e["detail"]["app_id"] == body["id"]
    ]
    assert record["detail"]["redirect_uris"] == wanted


async def test_bad_app_input_is_a_4xx(client: httpx.AsyncClient, admin: Account) -> None:
    assert (await create(client, admin, redirect_uris=["ftp://x"])).status_code == 400
    assert (await create(client, admin, name="")).status_code == 422
    taken = (await create(client, admin)).json()["url"]
    again = await client.post(
        "/v1/admin/apps", json={"url": taken, "name": "x"}, headers=admin.headers
    )
    assert again.status_code == 409
    sneaky = await create(client, admin, super=True)
    assert sneaky.status_code == 201
    assert sneaky.json()["super"] is False


async def test_deleting_an_app_needs_reauthentication_and_is_audited(
    client: httpx.AsyncClient, admin: Account
) -> None:
    body = (await create(client, admin, redirect_uris=["https://wiki.example.com/cb"])).json()
    url = f"/v1/admin/apps/{body['id']}"
    assert (await client.delete(url, headers=admin.headers)).status_code == 403
    assert (
        await client.request("DELETE", url, json=REAUTH, headers=admin.headers)
    ).status_code == 204
    apps = (await client.get("/v1/admin/apps", headers=admin.headers)).json()
    assert body["id"] not in [a["id"] for a in apps]
    assert (
        await client.request("DELETE", url, json=REAUTH, headers=admin.headers)
    ).status_code == 404
    assert [
        e
        for e in await audit_of(client, admin, kind="admin.app_deleted")
        if e["detail"]["app_id"] == body["id"]
    ]
