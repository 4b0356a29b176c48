"""Shared fixtures: one migrated database per test process, the app over ASGI, real servers.

Every test starts from the migrated database: after each test that used it (its fixtures
reach `database_url`), every table is emptied and the migrations' seed rows are written
again, and the run's Redis rate-limit keys are dropped (tests/support/isolation.py). Apps
and servers outlive a test (session- and module-scoped), so a higher-scoped fixture must not
write rows a later test needs. A test marked `shared_database` leaves its rows for the next
test (the reset then comes before the next unmarked one): for the few that span state on
purpose, e.g. a module whose `pytestmark` is `pytest.mark.shared_database`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from parley.app import create_app
from parley.kit.secrets import new_token
from parley.kit.time import clock
from parley.runtime import Runtime
from parley.settings import Settings
from tests.support.accounts import Account, new_account
from tests.support.databases import test_database
from tests.support.isolation import CleanSlate, RedisKeys, Seeds, open_slate, prepare
from tests.support.servers import ServerProcess, SmtpSink, start_server

ON_POSTGRES = bool(os.environ.get("PARLEY_TEST_DATABASE_URL"))
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL") or None

needs_redis = pytest.mark.skipif(REDIS_URL is None, reason="needs PARLEY_TEST_REDIS_URL")
needs_postgres_and_redis = pytest.mark.skipif(
    not (ON_POSTGRES and REDIS_URL), reason="needs PARLEY_TEST_DATABASE_URL and _REDIS_URL"
)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def run_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeds]]:
    """The run's database, and its seed rows taken as migrated (before anything connects)."""
    with test_database(tmp_path_factory.mktemp("db")) as url:
        yield url, prepare(url)


@pytest.fixture(scope="session")
def database_url(run_database: tuple[str, Seeds]) -> str:
    return run_database[0]


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    return f"parley-test-{new_token(4)}"


@dataclass
class Resets:
    """What puts the run's database (and Redis keys) back after a test, on the session's
    loop: the in-process apps' tasks go on while a reset waits for their locks."""

    loop: asyncio.AbstractEventLoop
    slates: list[CleanSlate]
    shared_rows_left: bool = False  # a `shared_database` test's rows are still there

    def reset(self) -> None:
        for slate in self.slates:
            self.loop.run_until_complete(slate.reset())
        self.shared_rows_left = False


@pytest.fixture(scope="session")
async def resets(run_database: tuple[str, Seeds], redis_prefix: str) -> AsyncIterator[Resets]:
    slates = [await open_slate(*run_database)]
    if REDIS_URL:
        slates.append(RedisKeys(REDIS_URL, redis_prefix))
    yield Resets(asyncio.get_running_loop(), slates)
    for slate in slates:
        await slate.close()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "database_url" not in request.fixturenames:
        yield
        return
    state: Resets = request.getfixturevalue("resets")
    shared = request.node.get_closest_marker("shared_database") is not None
    if state.shared_rows_left and not shared:
        state.reset()
    yield
    if shared:
        state.shared_rows_left = True
    else:
        state.reset()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "shared_database: the test's rows stay for the next test (see conftest)"
    )


@pytest.fixture(scope="session")
def make_settings(database_url: str, data_dir: Path, redis_prefix: str) -> Callable[..., Settings]:
    """Settings for this run; keyword arguments override single fields."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "redis_url": REDIS_URL,
            "redis_prefix": redis_prefix,
            "data_dir": data_dir,
            "public_url": "http://testserver",
            "rate_limits_enabled": False,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture(scope="session")
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async for running in running_app(settings):
        yield running


@pytest.fixture(scope="session")
def runtime(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.runtime
    return rt


def asgi_client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 50000)),
        base_url="http://testserver",
        **kwargs,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await new_account(client, "alice")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await new_account(client, "bob")


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
def server_factory(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start real `parley serve` processes on this run's database (and Redis, if any)."""
    started: list[ServerProcess] = []

    def start(settings_override: Settings | None = None, **kwargs: Any) -> ServerProcess:
        server = start_server(settings_override or settings, str(tmp_path), **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
