"""The contract-specific provider flows the dialects call: DiscordApi's Yandex ID
registration and login, Schedule's `account/auth` (its `authMethod` table)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid
from parley.identity.accounts import audit
from parley.identity.sessions import service as sessions
from parley.identity.sessions.service import IssuedTokens
from parley.kit.client import ClientInfo
from parley.kit.secrets import same
from parley.models import User
from parley.providers import repository
from parley.providers.accounts import sign_up_with, user_for
from parley.providers.base import http_url
from parley.providers.clients import ProviderClients
from parley.providers.collaborators import ProviderSignIn
from parley.providers.credentials import Credential, authorize_url, verify
from parley.providers.errors import AlreadyRegistered, IdentityMismatch

SCHEDULE_METHODS = {"VK": "vk", "GOOGLE": "google", "TG": "telegram", "TELEGRAM": "telegram"}


def yandex_oauth_url(*, providers: ProviderClients) -> str:
    return authorize_url("yandex", providers=providers).url


async def register_with_yandex(
    session: AsyncSession,
    *,
    using: ProviderSignIn,
    oauth_token: str,
    client: ClientInfo,
    **profile: object,
) -> User:
    """Create an account from a Yandex OAuth token (409 if that Yandex account is known).
    `profile` holds optional User columns (country, locale)."""
    found = await verify(
        session, "yandex", Credential(token=oauth_token), client=client, providers=using.providers
    )
    if await repository.get_identity(session, "yandex", found.external_id) is not None:
        raise AlreadyRegistered()
    return await sign_up_with(
        session,
        found,
        client,
        **profile,
        using=using,
    )


async def login_with_yandex(
    session: AsyncSession,
    *,
    using: ProviderSignIn,
    oauth_token: str,
    client: ClientInfo,
    surface: str = "discordapi",
) -> IssuedTokens:
    """A long-lived single-token session for a registered Yandex account (404 otherwise)."""
    found = await verify(
        session, "yandex", Credential(token=oauth_token), client=client, providers=using.providers
    )
    user = await user_for(
        session,
        found,
        client,
        create=False,
        using=using,
    )
    return await sessions.start_session(
        session,
        user,
        client,
        surface=surface,
        with_refresh=False,
        settings=using.settings,
        signer=using.signer,
    )


async def schedule_auth(
    session: AsyncSession,
    *,
    using: ProviderSignIn,
    auth_method: str,
    id_token: str,
    external_user_id: str | None,
    full_name: str | None = None,
    avatar_url: str | None = None,
    client: ClientInfo,
) -> IssuedTokens:
    """`account/auth`: VK, Google or a Telegram bot code. The account is the one of the id
    the provider vouches for; an `external_user_id`, when given, must be that id (403
    otherwise). Name and avatar come from the provider when it gives them, else from the
    request."""
    provider = SCHEDULE_METHODS.get(auth_method.upper())
    if provider is None:
        raise Invalid("authMethod must be VK, GOOGLE, TG or TELEGRAM")
    claimed = str(external_user_id).strip() if external_user_id is not None else None
    if client.ip:
        await using.limiter.hit(using.settings.rate_login_ip, "login-ip", client.ip)
    found = await verify(
        session, provider, Credential(token=id_token), client=client, providers=using.providers
    )
    if claimed and not same(claimed, found.external_id):
        await audit.record(session, "provider.identity_mismatch", client=client, provider=provider)
        raise IdentityMismatch()
    found = replace(
        found,
        name=found.name or ((full_name or "").strip()[:200] or None),
        avatar_url=found.avatar_url or http_url(avatar_url),
    )
    user = await user_for(
        session,
        found,
        client,
        create=True,
        using=using,
    )
    return await sessions.start_session(
        session,
        user,
        client,
        surface="schedule",
        with_refresh=True,
        settings=using.settings,
        signer=using.signer,
    )
