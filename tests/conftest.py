"""Shared fixtures: one migrated database per test process, the app over ASGI, real servers.

Tests never clean up between each other: every test makes its own accounts with unique
names, so the shared database only grows and tests stay independent.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
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
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with test_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def make_settings(database_url: str, data_dir: Path) -> Callable[..., Settings]:
    """Settings for this run; keyword arguments override single fields."""
    prefix = f"parley-test-{new_token(4)}"

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "redis_url": REDIS_URL,
            "redis_prefix": prefix,
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
