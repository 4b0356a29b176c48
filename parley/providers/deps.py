"""The identity providers' clients as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from parley.providers.clients import ProviderClients


async def get_provider_clients(conn: HTTPConnection) -> ProviderClients:
    providers: ProviderClients = conn.app.state.runtime.providers
    return providers


ProvidersDep = Annotated[ProviderClients, Depends(get_provider_clients)]
