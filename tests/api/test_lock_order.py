"""Writers of a user's row, role links and app payloads, run concurrently, never fail.

Each pair below once took PostgreSQL row locks in opposite orders (the user row, through a
profile-version bump, against the app_payload or user_role rows), so two requests for the
same user could deadlock (a 500); concurrent first writes of one payload also met its primary
key (a 500 on both databases). Every writer now locks the user row first (`lock_user`). A
deadlock or serialization failure that still happens is a 503 with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from parley.db import is_database_outage, is_transient_conflict
from parley.runtime import Runtime
from parley.schedule import service as schedule
from parley.settings import Settings
from tests.conftest import ON_POSTGRES
from tests.support.access import RegisteredApp, give_roles, new_app, with_app
from tests.support.accounts import Account, new_account
from tests.support.databases import pg_admin_dsn

ROUNDS = 25
PAIRS = 3  # concurrent pairs per round

Request = Callable[[int], Awaitable[httpx.Response]]


async def race(left: Request, right: Request) -> None:
    """Run both requests `PAIRS` times at once, `ROUNDS` times; every answer must be 200."""
    for round_ in range(ROUNDS):
        calls = []
        for pair in range(PAIRS):
            n = round_ * PAIRS + pair
            calls += [left(n), right(n)]
        answers = await asyncio.gather(*calls)
        failed = [(a.status_code, a.text) for a in answers if a.status_code != 200]
        assert not failed, f"round {round_}: {failed}"


@pytest.fixture
async def user(client: httpx.AsyncClient) -> Account:
    return await new_account(client, "locks")


@pytest.fixture
async def super_app(runtime: Runtime) -> RegisteredApp:
    return await new_app(runtime, is_super=True)


async def test_goncord_patch_users_against_an_apps_own_payload_write(
    client: httpx.AsyncClient, runtime: Runtime, user: Account, super_app: RegisteredApp
) -> None:
    """PATCH /api/v0/users (names, then payloads) against PUT /v1/apps/current/payload
    (the payload, then the profile version)."""
    plain = await new_app(runtime)

    async def goncord(n: int) -> httpx.Response:
        body = {"first_name": f"Name{n}", "apps": {plain.url: {"by": "goncord", "n": n}}}
        return await client.patch(
            "/api/v0/users", json=body, headers=with_app(user.headers, super_app)
        )

    async def own(n: int) -> httpx.Response:
        body = {"by": "own", "n": n}
        return await client.put(
            "/v1/apps/current/payload", json=body, headers=with_app(user.headers, plain)
        )

    await race(goncord, own)


async def test_goncord_patch_users_against_a_super_apps_payload_writes(
    client: httpx.AsyncClient, runtime: Runtime, user: Account, super_app: RegisteredApp
) -> None:
    """Two apps' payloads named in opposite orders, with and without a name change."""
    first, second = await new_app(runtime), await new_app(runtime)

    async def goncord(n: int) -> httpx.Response:
        apps = {first.url: {"n": n}, second.url: {"n": n}}
        body = {"last_name": f"Last{n}", "apps": apps}
        return await client.patch(
            "/api/v0/users", json=body, headers=with_app(user.headers, super_app)
        )

    async def native(n: int) -> httpx.Response:
        apps = {second.url: {"m": n}, first.url: {"m": n}}
        return await client.patch(f"/v1/users/{user.id}/apps", json=apps, headers=super_app.headers)

    await race(goncord, native)


async def test_goncord_patch_users_against_an_admins_role_change(
    client: httpx.AsyncClient, user: Account, super_app: RegisteredApp
) -> None:
    """PATCH /api/v0/users (names, then roles) against PUT /v1/users/{id}/roles (the role
    links, then the profile version)."""

    async def goncord(n: int) -> httpx.Response:
        body = {"first_name": f"Name{n}", "roles": [{"name": f"lock-r{n % 2}"}]}
        return await client.patch(
            "/api/v0/users", json=body, headers=with_app(user.headers, super_app)
        )

    async def admin(n: int) -> httpx.Response:
        body = {"roles": [f"lock-r{(n + 1) % 2}", "lock-common"]}
        return await client.put(f"/v1/users/{user.id}/roles", json=body, headers=super_app.headers)

    await race(goncord, admin)


async def test_goncord_patch_users_against_a_schedule_profile_edit(
    client: httpx.AsyncClient, runtime: Runtime, user: Account, super_app: RegisteredApp
) -> None:
    """PATCH /api/v0/users with the Schedule app's payload against PUT /account/profile (the
    locked payload, then the bio, then the payload again)."""
    async with runtime.db.unit_of_work() as session:
        app = await schedule.schedule_app(session, create=True, settings=runtime.settings)
    assert app is not None

    async def goncord(n: int) -> httpx.Response:
        body = {"first_name": f"Name{n}", "apps": {app.url: {"role": "STUDENT", "variants": []}}}
        return await client.patch(
            "/api/v0/users", json=body, headers=with_app(user.headers, super_app)
        )

    async def profile(n: int) -> httpx.Response:
        body = {"bio": f"bio {n}", "variants": [{"subjectName": "Maths", "variant": n}]}
        return await client.put("/account/profile", json=body, headers=user.headers)

    await race(goncord, profile)


# --- what a deadlock that still happens answers -------------------------------------------

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL's deadlock detector")


async def wait_for_a_lock_wait(conn: asyncpg.Connection) -> None:
    """Until another backend of this database waits for a row lock."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the request never waited for the payload's lock")


@needs_postgres
@pytest.mark.parametrize("surface", ["native", "goncord"])
async def test_a_deadlock_is_a_503_to_send_again(
    client: httpx.AsyncClient, runtime: Runtime, settings: Settings, user: Account, surface: str
) -> None:
    """Another transaction (not Parley's) locks the payload row, then the user row: against a
    payload write (the user row, then the payload's) that is a real deadlock, and PostgreSQL
    aborts the request's transaction."""
    app = await new_app(runtime)
    headers = with_app(user.headers, app)

    async def write(n: int) -> httpx.Response:
        if surface == "native":
            return await client.put("/v1/apps/current/payload", json={"n": n}, headers=headers)
        return await client.patch("/api/v0/resource/self_update", json={"n": n}, headers=headers)

    assert (await write(0)).status_code == 200
    conn = await asyncpg.connect(pg_admin_dsn(settings.database_url))
    other = conn.transaction()
    await other.start()
    try:
        await conn.execute("SET LOCAL deadlock_timeout = '30s'")  # the request's backend detects it
        await conn.execute(
            "SELECT 1 FROM app_payload WHERE app_id = $1 AND user_id = $2 FOR UPDATE",
            app.id,
            user.id,
        )
        request = asyncio.create_task(write(1))
        await wait_for_a_lock_wait(conn)  # it holds the user's row and waits for the payload's
        await conn.execute(
            'UPDATE "user" SET profile_version = profile_version + 1 WHERE id = $1', user.id
        )  # waits for the request: a cycle, which PostgreSQL breaks by aborting the request
        response = await request
    finally:
        await other.rollback()
        await conn.close()

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    if surface == "native":
        assert response.json()["error"]["code"] == "transaction_conflict"
    else:
        assert response.json() == {"error": "A concurrent change got in the way; try again"}
    again = await write(2)  # nothing was committed: sending it again works
    assert again.status_code == 200
    payload = await client.get("/v1/apps/current/payload", headers=headers)
    assert payload.json() == {"n": 2}


@needs_postgres
@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
async def test_serialization_failures_and_deadlocks_are_transient_conflicts(
    runtime: Runtime, sqlstate: str
) -> None:
    raise_it = f"DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{sqlstate}'; END $$"
    async with runtime.db.sessionmaker() as session:
        with pytest.raises(DBAPIError) as caught:
            await session.execute(text(raise_it))
    assert is_transient_conflict(caught.value)
    assert not is_database_outage(caught.value)


async def test_other_database_errors_are_not_transient_conflicts(runtime: Runtime) -> None:
    async with runtime.db.sessionmaker() as session:
        with pytest.raises(DBAPIError) as caught:
            await session.execute(text("SELECT * FROM no_such_table"))
    assert not is_transient_conflict(caught.value)


async def test_deleting_a_role_while_it_is_granted_never_fails(
    client: httpx.AsyncClient, runtime: Runtime, user: Account
) -> None:
    """DELETE /v1/roles/{name} against PUT /v1/users/{id}/roles naming that role: the grant
    either lands first (and the delete removes it too) or waits and creates the role anew.
    Before the role row was locked, the delete met the new link's foreign key (a 500)."""
    admin = await new_account(client, "admin")
    await give_roles(runtime, admin.id, runtime.settings.admin_role)
    for round_ in range(ROUNDS):
        name = f"racing-{round_}"
        created = await client.post("/v1/roles", json={"name": name}, headers=admin.headers)
        assert created.status_code == 201, created.text
        deleted, granted = await asyncio.gather(
            client.delete(f"/v1/roles/{name}", headers=admin.headers),
            client.put(f"/v1/users/{user.id}/roles", json={"roles": [name]}, headers=admin.headers),
        )
        assert deleted.status_code == 204, deleted.text
        assert granted.status_code == 200, granted.text
        roles = await client.get(f"/v1/users/{user.id}/roles", headers=admin.headers)
        listed = await client.get("/v1/roles", headers=admin.headers)
        # Consistent either way: the user holds the role exactly when it exists.
        exists = name in {role["name"] for role in listed.json()}
        assert (name in roles.json()["roles"]) == exists
