"""DiscordApi functions 3 and 5 and the Yandex login: Yandex ID through the providers
service (the profile's id, login, default email and avatar; linked by Yandex id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from parley.deps import (
    Client,
    Session,
)
from parley.dialects.discordapi.deps import Country
from parley.dialects.discordapi.errors import render
from parley.dialects.discordapi.schemas import NO_NUL, Detail, Token, YandexUrl, errors
from parley.dialects.kit import dialect_router
from parley.providers import service as provider_service
from parley.providers.deps import ProvidersDep, ProviderSignInDep

router = dialect_router(render, tag="dialect: DiscordApi")

OAuthToken = Annotated[str, Query(min_length=1, max_length=4096, pattern=NO_NUL)]


@router.get("/auth/yandex_oauth_url/", response_model=YandexUrl, responses=errors(404))
async def yandex_oauth_url(providers: ProvidersDep) -> YandexUrl:
    """3. Yandex's authorize page for this app (with a signed 10-minute `state`)."""
    return YandexUrl(yandex_url=provider_service.yandex_oauth_url(providers=providers))


@router.post("/auth/yandex_oauth_register/", response_model=Detail, responses=errors(400, 404, 502))
async def yandex_oauth_register(
    oauth_token: OAuthToken,
    session: Session,
    using: ProviderSignInDep,
    client: Client,
    country: Country,
) -> Detail:
    """5. An account from the Yandex profile; a bad token or a known Yandex account is 400.
    The country comes from the same hints as `/auth/register/` when they are given."""
    extra = {"country": country} if country else {}
    await provider_service.register_with_yandex(
        session,
        oauth_token=oauth_token,
        client=client,
        **extra,
        using=using,
    )
    return Detail(detail="success")


@router.post(
    "/auth/login_yandex/",  # the original's path (its nginx routes it)
    response_model=Token,
    responses=errors(400, 404, 502),
    include_in_schema=False,
)
@router.post("/auth/yandex_oauth_login/", response_model=Token, responses=errors(400, 404, 502))
async def yandex_oauth_login(
    oauth_token: OAuthToken,
    session: Session,
    using: ProviderSignInDep,
    client: Client,
) -> Token:
    """6 (Yandex). The token for the account registered with this Yandex account (404 if
    none); Yandex has authenticated the person, so no device code."""
    issued = await provider_service.login_with_yandex(
        session,
        oauth_token=oauth_token,
        client=client,
        using=using,
    )
    return Token(token=issued.access_token)
