"""Every admin console route: 401 without a token, 403 for a signed-in non-admin (who
learns nothing and changes nothing), and what a super app may do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from parley.runtime import Runtime
from tests.admin.conftest import REAUTH, audit_of
from tests.support.access import new_app
from tests.support.accounts import Account

ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/admin/me", None),
    ("GET", "/v1/admin/users", None),
    ("GET", "/v1/admin/users/{user}", None),
    ("PATCH", "/v1/admin/users/{user}", {"disabled": True, **REAUTH}),
    ("POST", "/v1/admin/users/{user}/revoke-sessions", REAUTH),
    ("POST", "/v1/admin/users/{user}/reset-two-factor", REAUTH),
    ("POST", "/v1/admin/users/{user}/unlock-key", None),
    ("GET", "/v1/admin/roles", None),
    ("POST", "/v1/admin/users/{user}/roles", {"role": "admin"}),
    ("DELETE", "/v1/admin/users/{user}/roles/admin", None),
    ("GET", "/v1/admin/apps", None),
    ("POST", "/v1/admin/apps", {"url": "https://gate.example.com", "name": "Gate"}),
    ("POST", "/v1/admin/apps/{app}/rotate-token", REAUTH),
    ("POST", "/v1/admin/apps/{app}/rotate-secret", REAUTH),
    ("PUT", "/v1/admin/apps/{app}/redirect-uris", {"redirect_uris": ["https://x.example/cb"]}),
    ("DELETE", "/v1/admin/apps/{app}", REAUTH),
    ("GET", "/v1/admin/audit", None),
    ("GET", "/v1/admin/figures", None),
]


def test_every_admin_console_route_is_listed(client: httpx.AsyncClient, app: Any) -> None:
    served = {
        (method, route.path)
        for route in app.routes
        if getattr(route, "path", "").startswith("/v1/admin/")
        and getattr(route, "endpoint", None) is not None
        and route.endpoint.__module__ == "parley.admin.router"
        for method in route.methods
    }
    listed = {
        (method, path.replace("{user}", "{user_id}").replace("{app}", "{app_id}"))
        for method, path, _ in ROUTES
    }
    listed = {(m, p.replace("/roles/admin", "/roles/{role}")) for m, p in listed}
    assert served == listed


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_refused_without_a_token_and_for_a_non_admin(
    client: httpx.AsyncClient,
    runtime: Runtime,
    alice: Account,
    bob: Account,
    admin: Account,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    target_app = await new_app(runtime)
    url = path.format(user=bob.id, app=target_app.id)
    anonymous = await client.request(method, url, json=body)
    assert anonymous.status_code == 401, anonymous.text
    refused = await client.request(method, url, json=body, headers=alice.headers)
    assert refused.status_code == 403, refused.text
    assert refused.json() == {
        "error": {"code": "admin_required", "message": refused.json()["error"]["message"]}
    }
    # nothing happened: bob still signs in, the app still answers to its token
    assert (await client.get("/v1/users/me", headers=bob.headers)).status_code == 200
    menu = await client.get(
        "/v1/apps/current/payload", headers={**bob.headers, **target_app.headers}
    )
    assert menu.status_code == 200
    assert not [
        e for e in await audit_of(client, admin, user_id=alice.id) if e["kind"].startswith("admin.")
    ]


async def test_a_plain_app_token_is_refused_and_a_super_app_is_let_in(
    client: httpx.AsyncClient, runtime: Runtime, bob: Account, admin: Account
) -> None:
    plain = await new_app(runtime)
    refused = await client.get("/v1/admin/users", headers={**bob.headers, **plain.headers})
    assert refused.status_code == 403
    super_app = await new_app(runtime, is_super=True)
    unlocked = await client.post(
        f"/v1/admin/users/{bob.id}/revoke-sessions", headers=super_app.headers
    )
    assert unlocked.status_code == 200, unlocked.text
    (entry,) = await audit_of(client, admin, user_id=bob.id, kind="admin.sessions_revoked")
    assert entry["actor"] == f"app:{super_app.url}"
    assert entry["actor_id"] is None
