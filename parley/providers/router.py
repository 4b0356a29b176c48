"""Native social sign-in: /v1/auth/providers/…"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Header, Query

from parley.deps import (
    Client,
    Session,
)
from parley.identity.accounts.deps import CurrentPrincipal
from parley.identity.sessions.router import token_pair
from parley.identity.sessions.schemas import TokenPair
from parley.kit.openapi import responses
from parley.providers import service
from parley.providers.deps import ProvidersDep, ProviderSignInDep
from parley.providers.schemas import (
    AuthorizeUrlRead,
    IdentityRead,
    ProviderCredentialIn,
    ProviderRead,
    ProviderSignIn,
)
from parley.providers.service import Credential

router = APIRouter(prefix="/auth/providers", tags=["providers"])


def credential(body: ProviderCredentialIn) -> Credential:
    return Credential(token=body.token, widget=body.widget.fields() if body.widget else None)


@router.get("", response_model=list[ProviderRead])
async def list_providers(providers: ProvidersDep) -> list[ProviderRead]:
    """The sign-in providers this server has configured."""
    return [ProviderRead.model_validate(p) for p in service.enabled_providers(providers=providers)]


@router.get("/identities", response_model=list[IdentityRead], responses=responses(401))
async def list_identities(principal: CurrentPrincipal, session: Session) -> list[IdentityRead]:
    """The provider accounts linked to the caller."""
    rows = await service.list_identities(session, principal.user_id)
    return [IdentityRead.model_validate(row) for row in rows]


@router.post(
    "/telegram/webhook",
    responses=responses(403),
    include_in_schema=True,
)
async def telegram_webhook(
    update: Annotated[dict[str, Any], Body()],
    session: Session,
    providers: ProvidersDep,
    background: BackgroundTasks,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, bool]:
    """Telegram Bot API webhook (guarded by the secret-token header): `/start <code>`."""
    reply = await service.receive_telegram_update(
        session, update, secret=secret, providers=providers
    )
    if reply is not None:
        background.add_task(service.send_telegram_reply, reply, providers=providers)
    return {"ok": True}


@router.get(
    "/{provider}/authorize-url", response_model=AuthorizeUrlRead, responses=responses(400, 404)
)
async def get_authorize_url(
    provider: str,
    providers: ProvidersDep,
    redirect_uri: Annotated[str | None, Query(max_length=2000)] = None,
) -> AuthorizeUrlRead:
    """Where to send the person: Yandex's authorize page or the Telegram bot deep link."""
    return AuthorizeUrlRead.model_validate(
        service.authorize_url(provider, redirect_uri=redirect_uri, providers=providers)
    )


@router.post(
    "/{provider}/sign-in",
    response_model=TokenPair,
    responses=responses(400, 403, 404, 429, 502, 504),
)
async def sign_in_with_provider(
    provider: str,
    body: ProviderSignIn,
    session: Session,
    using: ProviderSignInDep,
    client: Client,
) -> TokenPair:
    """Sign in (or sign up) with a provider token; returns a native token pair."""
    client = replace(client, device_id=body.device_id)
    issued = await service.sign_in(
        session,
        provider,
        credential(body),
        client=client,
        state=body.state,
        using=using,
    )
    return token_pair(issued)


@router.post(
    "/{provider}/identity",
    status_code=201,
    response_model=IdentityRead,
    responses=responses(400, 401, 403, 404, 409, 502, 504),
)
async def link_identity(
    provider: str,
    body: ProviderCredentialIn,
    principal: CurrentPrincipal,
    session: Session,
    providers: ProvidersDep,
    client: Client,
) -> IdentityRead:
    """Link a provider account to the signed-in account."""
    identity = await service.link(
        session, principal.user_id, provider, credential(body), client=client, providers=providers
    )
    return IdentityRead.model_validate(identity)


@router.delete("/{provider}/identity", status_code=204, responses=responses(401, 404, 409))
async def unlink_identity(
    provider: str, principal: CurrentPrincipal, session: Session, client: Client
) -> None:
    """Unlink a provider; refused when it is the account's only way to sign in."""
    await service.unlink(session, principal.user_id, provider, client=client)
