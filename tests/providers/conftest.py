"""Fixtures for social sign-in: the fake providers and apps pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from parley.models import AuditEvent
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.fake_providers import FakeGoogle, FakeProviders

SLOW_TIMEOUT = 0.2


@pytest.fixture(scope="session")
def fakes() -> Iterator[FakeProviders]:
    providers = FakeProviders()
    providers.start()
    yield providers
    providers.stop()


@pytest.fixture(scope="session")
async def provider_app(
    fakes: FakeProviders, make_settings: Callable[..., Settings]
) -> AsyncIterator[FastAPI]:
    async for running in running_app(fakes.settings(make_settings)):
        yield running


@pytest.fixture(scope="session")
async def slow_app(
    fakes: FakeProviders, make_settings: Callable[..., Settings]
) -> AsyncIterator[FastAPI]:
    """Same fakes, but a provider timeout shorter than the fakes' slow answers."""
    settings = fakes.settings(make_settings, provider_timeout_seconds=SLOW_TIMEOUT)
    async for running in running_app(settings):
        yield running


@pytest.fixture
def rt(provider_app: FastAPI) -> Runtime:
    runtime: Runtime = provider_app.state.runtime
    return runtime


@pytest.fixture
async def pclient(provider_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(provider_app) as c:
        yield c


@pytest.fixture
async def slow_client(slow_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(slow_app) as c:
        yield c


@pytest.fixture
def own_google() -> Iterator[FakeGoogle]:
    """A Google fake of one's own, for tests that count or break certificate fetches."""
    google = FakeGoogle()
    google.server.start()
    yield google
    google.server.stop()


@pytest.fixture
def google_app(
    fakes: FakeProviders, own_google: FakeGoogle, make_settings: Callable[..., Settings]
) -> Callable[..., Any]:
    """`async with google_app(**overrides) as (client, runtime)`: an app on `own_google`."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
        settings = fakes.settings(
            make_settings,
            google_client_id=own_google.client_id,
            google_certs_url=own_google.certs_url,
            **overrides,
        )
        async for app in running_app(settings):
            async with asgi_client(app) as c:
                yield c, app.state.runtime

    return start


async def audit_count(runtime: Runtime, kind: str, **detail: Any) -> int:
    """How many audit events of `kind` (with the given detail values) exist."""
    async with runtime.db.sessionmaker() as session:
        rows = (await session.scalars(select(AuditEvent).where(AuditEvent.kind == kind))).all()
    return sum(1 for row in rows if all(row.detail.get(k) == v for k, v in detail.items()))


async def count_rows(runtime: Runtime, model: Any, *conditions: Any) -> int:
    async with runtime.db.sessionmaker() as session:
        found = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    return int(found or 0)
