"""Writers of a user's row, role links and app payloads, run concurrently, never fail.

Each pair below once took PostgreSQL row locks in opposite orders (the user row, through a
profile-version bump, against the app_payload or user_role rows), so two requests for the
same user could deadlock (a 500); concurrent first writes of one payload also met its primary
key (a 500 on both databases). Every writer now locks the user row first (`lock_user`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from parley.runtime import Runtime
from parley.schedule import service as schedule
from tests.support.access import RegisteredApp, new_app, with_app
from tests.support.accounts import Account, new_account

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
        app = await schedule.schedule_app(session, runtime, create=True)
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
