"""Cross-contract tests sign in through the fake providers too: reuse their fixtures."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import asgi_client
from tests.providers.conftest import fakes, provider_app  # noqa: F401 - fixtures

UA = {"User-Agent": "ContractClient/1.0"}


@pytest.fixture
async def web(provider_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """The person's client (one address, one user agent) on the provider app."""
    async with asgi_client(provider_app, headers=UA) as c:
        yield c
