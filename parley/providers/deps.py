"""The identity providers' clients, and the set a provider sign-in uses, as dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from parley.providers.clients import ProviderClients
from parley.providers.collaborators import ProviderSignIn


async def get_provider_clients(conn: HTTPConnection) -> ProviderClients:
    providers: ProviderClients = conn.app.state.runtime.providers
    return providers


ProvidersDep = Annotated[ProviderClients, Depends(get_provider_clients)]


async def get_provider_sign_in(conn: HTTPConnection) -> ProviderSignIn:
    rt = conn.app.state.runtime
    return ProviderSignIn(
        settings=rt.settings,
        limiter=rt.limiter,
        mailer=rt.mailer,
        storage=rt.storage,
        passwords=rt.passwords,
        signer=rt.signer,
        providers=rt.providers,
        image_decoding=rt.image_decoding,
    )


ProviderSignInDep = Annotated[ProviderSignIn, Depends(get_provider_sign_in)]
