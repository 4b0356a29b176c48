from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from parley.identity.sessions.tokens import Authenticator
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, login, new_account, register, unique_name
from tests.support.mail import sign_in_new_device
from tests.support.statements import count_statements


async def test_register_then_login_by_username_and_email(client: httpx.AsyncClient) -> None:
    user = await register(client, "reg", display_name="Reg Istered")
    assert user["display_name"] == "Reg Istered"
    assert "password" not in str(user)
    by_name = await login(client, user["username"].upper())
    by_email = await login(client, user["email"].upper())
    assert by_name["user"]["id"] == by_email["user"]["id"] == user["id"]
    assert by_name["token_type"] == "Bearer"
    assert by_name["refresh_token"]
    assert 0 < by_name["expires_in"] <= 900


async def test_username_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    user = await register(client)
    response = await client.post(
        "/v1/auth/register",
        json={
            "username": user["username"].upper(),
            "email": "other@example.com",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "username_taken"


async def test_email_is_unique_after_normalization(client: httpx.AsyncClient) -> None:
    user = await register(client)
    response = await client.post(
        "/v1/auth/register",
        json={"username": unique_name(), "email": user["email"].upper(), "password": PASSWORD},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"username": "ok_name", "email": "not-an-email", "password": PASSWORD},
            400,
            "invalid_email",
        ),
        (
            {"username": "bad name!", "email": "x@example.com", "password": PASSWORD},
            400,
            "invalid_username",
        ),
        (
            {"username": "ok_name", "email": "x@example.com", "password": "short"},
            422,
            "validation_error",
        ),
        ({"username": "ok_name"}, 422, "validation_error"),
        ({"username": 5, "email": [], "password": {}}, 422, "validation_error"),
    ],
)
async def test_register_rejects_bad_input(
    client: httpx.AsyncClient, body: dict[str, object], status: int, code: str
) -> None:
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_malformed_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, alice: Account
) -> None:
    wrong = await client.post(
        "/v1/auth/login", json={"login": alice.username, "password": "nope-nope"}
    )
    unknown = await client.post(
        "/v1/auth/login", json={"login": unique_name(), "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_me_requires_a_token(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await client.get("/v1/users/me")).status_code == 401
    assert (
        await client.get("/v1/users/me", headers={"Authorization": "Bearer junk"})
    ).status_code == 401
    me = await client.get("/v1/users/me", headers=alice.headers)
    assert me.status_code == 200
    assert me.json()["id"] == alice.id


@pytest.mark.parametrize("style", ["bearer", "bare", "cookie"])
async def test_token_accepted_as_bearer_bare_or_cookie(
    client: httpx.AsyncClient, alice: Account, style: str
) -> None:
    if style == "bearer":
        response = await client.get("/v1/users/me", headers=alice.headers)
    elif style == "bare":
        response = await client.get("/v1/users/me", headers={"Authorization": alice.access_token})
    else:
        client.cookies.set("jwt", alice.access_token)
        response = await client.get("/v1/users/me")
        client.cookies.clear()
    assert response.status_code == 200


async def test_refresh_rotates_and_old_token_is_spent(
    client: httpx.AsyncClient, alice: Account
) -> None:
    first = await client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != alice.refresh_token
    assert pair["session_id"] == alice.session_id
    second = await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert second.status_code == 200


async def test_reusing_a_spent_refresh_token_revokes_the_family(
    client: httpx.AsyncClient, alice: Account
) -> None:
    rotated = (
        await client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    ).json()
    from parley.kit.time import clock

    clock.advance(30)  # past the grace window
    reuse = await client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "refresh_reused"
    # the thief's token and the legitimate new one are both dead now
    again = await client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401
    me = await client.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 401


async def test_concurrent_refreshes_have_one_winner_and_keep_the_session(
    client: httpx.AsyncClient, alice: Account
) -> None:
    results = await asyncio.gather(
        *[
            client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
            for _ in range(2)
        ]
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    follow = await client.post("/v1/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    assert follow.status_code == 200


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/refresh", json={"refresh_token": "nope"})
    assert response.status_code == 401


async def test_logout_revokes_only_the_current_session(
    client: httpx.AsyncClient, alice: Account
) -> None:
    other = await login(client, alice.username)
    assert (await client.post("/v1/auth/logout", headers=alice.headers)).status_code == 204
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 401
    still = await client.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert still.status_code == 200
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert refresh.status_code == 401


async def test_sessions_list_and_revoke(
    client: httpx.AsyncClient, alice: Account, data_dir: Path
) -> None:
    # A new device id needs the mailed code (device trust) before it gets a session.
    second = await sign_in_new_device(client, data_dir, alice, "phone-1", PASSWORD)
    listed = (await client.get("/v1/sessions", headers=alice.headers)).json()
    assert {s["id"] for s in listed} == {alice.session_id, second["session_id"]}
    assert [s["current"] for s in listed if s["id"] == alice.session_id] == [True]
    phone = next(s for s in listed if s["id"] == second["session_id"])
    assert phone["device_id"] == "phone-1"
    assert phone["ip"] == "203.0.113.7"
    gone = await client.delete(f"/v1/sessions/{second['session_id']}", headers=alice.headers)
    assert gone.status_code == 204
    dead = await client.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert dead.status_code == 401
    again = await client.delete(f"/v1/sessions/{second['session_id']}", headers=alice.headers)
    assert again.status_code == 404


async def test_revoke_all_other_sessions(client: httpx.AsyncClient, alice: Account) -> None:
    for _ in range(2):
        await login(client, alice.username)
    response = await client.delete("/v1/sessions", headers=alice.headers)
    assert response.json() == {"revoked": 2}
    listed = (await client.get("/v1/sessions", headers=alice.headers)).json()
    assert [s["id"] for s in listed] == [alice.session_id]


async def test_cannot_see_or_revoke_another_users_session(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    listed = (await client.get("/v1/sessions", headers=bob.headers)).json()
    assert alice.session_id not in {s["id"] for s in listed}
    response = await client.delete(f"/v1/sessions/{alice.session_id}", headers=bob.headers)
    assert response.status_code == 404
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 200


async def test_change_password_revokes_other_sessions_and_keeps_this_one(
    client: httpx.AsyncClient, alice: Account
) -> None:
    other = await login(client, alice.username)
    wrong = await client.post(
        "/v1/auth/change-password",
        json={"old_password": "not-it-at-all", "new_password": "brand new pass"},
        headers=alice.headers,
    )
    assert wrong.status_code == 401
    ok = await client.post(
        "/v1/auth/change-password",
        json={"old_password": PASSWORD, "new_password": "brand new pass"},
        headers=alice.headers,
    )
    assert ok.status_code == 204
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 200
    dead = await client.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert dead.status_code == 401
    old = await client.post("/v1/auth/login", json={"login": alice.username, "password": PASSWORD})
    assert old.status_code == 401
    await login(client, alice.username, "brand new pass")


async def test_validate_for_auth_request(client: httpx.AsyncClient, alice: Account) -> None:
    ok = await client.get("/v1/auth/validate", headers=alice.headers)
    assert ok.status_code == 200
    assert ok.headers["x-user-id"] == str(alice.id)
    assert ok.headers["x-session-id"] == str(alice.session_id)
    assert (await client.get("/v1/auth/validate")).status_code == 401
    bad = await client.get("/v1/auth/validate", headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401
    await client.post("/v1/auth/logout", headers=alice.headers)
    assert (await client.get("/v1/auth/validate", headers=alice.headers)).status_code == 401


async def test_jwks_verifies_issued_tokens(client: httpx.AsyncClient, alice: Account) -> None:
    jwks = (await client.get("/.well-known/jwks.json")).json()
    import jwt

    kid = jwt.get_unverified_header(alice.access_token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    key = jwt.PyJWK(jwk)
    claims = jwt.decode(alice.access_token, key, algorithms=["EdDSA"])
    assert claims["sub"] == str(alice.id)
    assert claims["sid"] == str(alice.session_id)


async def test_health_metrics_and_request_id(client: httpx.AsyncClient) -> None:
    health = await client.get("/v1/health")
    assert health.json() == {"status": "ok", "database": "ok"}
    assert health.headers["x-request-id"]
    echoed = await client.get("/v1/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Parley"


async def test_the_openapi_document_declares_503_where_the_database_is_reached(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, method in [
        ("/v1/auth/login", "post"),
        ("/v1/channels/{channel_id}/messages", "post"),
        ("/api/v0/tokens/validate", "get"),  # a dialect route: the dialect's error body
    ]:
        assert "503" in paths[path][method]["responses"], (path, method)


async def test_unknown_route_uses_the_error_model(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_login_rate_limit_answers_429_with_retry_after(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        rate_limits_enabled=True, rate_login="3/minute", redis_prefix=f"rl-{unique_name()}"
    )
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            user = await register(client)
            statuses = []
            for _ in range(4):
                r = await client.post(
                    "/v1/auth/login", json={"login": user["username"], "password": "wrong-one"}
                )
                statuses.append(r.status_code)
            assert statuses == [401, 401, 401, 429]
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["error"]["code"] == "rate_limited"
            # another account from the same address is not locked out by the first one
            other = await register(client)
            assert (
                await client.post(
                    "/v1/auth/login", json={"login": other["username"], "password": PASSWORD}
                )
            ).status_code == 200


async def test_registration_rate_limit_per_ip(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        rate_limits_enabled=True, rate_register_ip="2/hour", redis_prefix=f"rl-{unique_name()}"
    )
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            await register(client)
            await register(client)
            body = {
                "username": unique_name(),
                "email": f"{unique_name()}@example.com",
                "password": PASSWORD,
            }
            third = await client.post("/v1/auth/register", json=body)
            assert third.status_code == 429


async def test_audit_log_records_sign_ins_and_failures(
    client: httpx.AsyncClient, alice: Account, app: object
) -> None:
    from parley.identity.sessions import repository

    await client.post("/v1/auth/login", json={"login": alice.username, "password": "wrong-wrong"})
    await client.post("/v1/auth/logout", headers=alice.headers)
    rt = app.state.runtime  # type: ignore[attr-defined]
    async with rt.db.sessionmaker() as session:
        kinds = [e.kind for e in await repository.list_audit(session, alice.id, 10)]
    assert kinds[:3] == ["session.revoked", "login.failed", "login.succeeded"]
    assert "user.registered" in kinds


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/v1/sessions/99999999999999999999999"),
        ("GET", "/v1/users/99999999999999999999999"),
        ("DELETE", "/v1/devices/99999999999999999999999"),
        ("GET", "/v1/channels/99999999999999999999999/messages"),
    ],
)
async def test_ids_beyond_64_bits_are_422_not_500(
    client: httpx.AsyncClient, alice: Account, method: str, path: str
) -> None:
    response = await client.request(method, path, headers=alice.headers)
    assert response.status_code == 422


async def test_validating_a_seen_token_reads_nothing_from_the_database(
    client: httpx.AsyncClient, alice: Account, runtime: Runtime
) -> None:
    assert (await client.get("/v1/auth/validate", headers=alice.headers)).status_code == 200
    with count_statements(runtime) as statements:
        for _ in range(5):
            ok = await client.get("/v1/auth/validate", headers=alice.headers)
            assert ok.status_code == 200
    assert statements == []


async def test_requests_arriving_together_share_one_session_check(
    alice: Account, runtime: Runtime
) -> None:
    """When the cached answer lapses under load, one read serves every waiting request."""
    fresh = Authenticator(runtime.signer, runtime.db.sessionmaker, session_cache_seconds=30)
    with count_statements(runtime) as statements:
        principals = await asyncio.gather(
            *(fresh.authenticate(alice.access_token) for _ in range(40))
        )
    assert {p.user_id for p in principals} == {alice.id}
    assert len([s for s in statements if s.startswith("SELECT")]) == 1, statements


async def test_the_sign_in_limit_counts_per_account_whatever_the_login(
    make_settings: Callable[..., Settings],
) -> None:
    """Issue 13, item 8: 10 wrong tries by username, then 10 more by email."""
    settings = make_settings(rate_limits_enabled=True, rate_login="4/minute")
    async for app in running_app(settings):
        async with asgi_client(app) as c:
            who = await new_account(c, "limited")
            for login in (who.username, who.email, who.username.upper()):
                wrong = await c.post("/v1/auth/login", json={"login": login, "password": "nope"})
                assert wrong.status_code == 401
            fourth = await c.post("/v1/auth/login", json={"login": who.email, "password": "no"})
            assert fourth.status_code == 429
