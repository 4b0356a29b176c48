"""Social sign-in: verify a provider credential, then sign in, sign up, link or unlink.

Accounts are matched by (provider, external id) only, never by email: a provider email
that equals another user's email neither signs into that user nor is copied onto the new
account. This module is the providers' public face: the generic steps live here and in
`credentials` (authorize URLs, verification) and `accounts` (the user behind a provider
account, `sign_up_with`); the contract-specific flows the dialects call (DiscordApi's Yandex
ID, Schedule's `account/auth`) in `flows`, the Telegram bot webhook in `webhook`. All of them
are importable from here; the dialects translate shapes only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import NotFound
from parley.identity.accounts import audit, user_row
from parley.identity.sessions import repository as identity_repository
from parley.identity.sessions import service as sessions
from parley.identity.sessions.service import IssuedTokens
from parley.kit.client import ClientInfo
from parley.models import ExternalIdentity
from parley.providers import repository
from parley.providers.accounts import new_identity, refresh_identity, user_for
from parley.providers.base import TITLES
from parley.providers.clients import ProviderClients
from parley.providers.collaborators import ProviderSignIn
from parley.providers.credentials import (
    AuthorizeUrl,
    Credential,
    authorize_url,
    check_state,
    require_provider,
    verify,
)
from parley.providers.errors import (
    IdentityNotLinked,
    IdentityTaken,
    LastSignInMethod,
    ProviderAlreadyLinked,
)
from parley.providers.flows import (
    SCHEDULE_METHODS,
    login_with_yandex,
    register_with_yandex,
    schedule_auth,
    yandex_oauth_url,
)
from parley.providers.webhook import (
    TelegramReply,
    check_telegram_secret,
    receive_telegram_update,
    send_telegram_reply,
)

__all__ = [
    "FLOWS",
    "SCHEDULE_METHODS",
    "AuthorizeUrl",
    "Credential",
    "IssuedTokens",
    "ProviderInfo",
    "TelegramReply",
    "authorize_url",
    "check_state",
    "check_telegram_secret",
    "enabled_providers",
    "link",
    "list_identities",
    "login_with_yandex",
    "receive_telegram_update",
    "register_with_yandex",
    "require_provider",
    "schedule_auth",
    "send_telegram_reply",
    "sign_in",
    "unlink",
    "verify",
    "yandex_oauth_url",
]

FLOWS = {"yandex": "oauth_token", "vk": "id_token", "google": "id_token", "telegram": "bot_code"}


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    title: str
    flow: str
    authorize_url: bool
    bot_name: str | None = None


def enabled_providers(*, providers: ProviderClients) -> list[ProviderInfo]:
    bot = providers.telegram.bot_name or None
    return [
        ProviderInfo(
            name=name,
            title=TITLES[name],
            flow=FLOWS[name],
            authorize_url=name == "yandex" or (name == "telegram" and bot is not None),
            bot_name=bot if name == "telegram" else None,
        )
        for name in providers.enabled()
    ]


async def sign_in(
    session: AsyncSession,
    provider: str,
    credential: Credential,
    *,
    using: ProviderSignIn,
    client: ClientInfo,
    state: str | None = None,
    surface: str = "native",
    with_refresh: bool = True,
) -> IssuedTokens:
    """Sign in with a provider; an unknown provider account gets a new user."""
    if state is not None:
        check_state(provider, state, providers=using.providers)
    if client.ip:
        await using.limiter.hit(using.settings.rate_login_ip, "login-ip", client.ip)
    profile = await verify(session, provider, credential, client=client, providers=using.providers)
    user = await user_for(
        session,
        profile,
        client,
        create=True,
        using=using,
    )
    return await sessions.start_session(
        session,
        user,
        client,
        surface=surface,
        with_refresh=with_refresh,
        settings=using.settings,
        signer=using.signer,
    )


async def list_identities(session: AsyncSession, user_id: int) -> list[ExternalIdentity]:
    return list(await repository.list_for_user(session, user_id))


async def link(
    session: AsyncSession,
    user_id: int,
    provider: str,
    credential: Credential,
    *,
    providers: ProviderClients,
    client: ClientInfo | None = None,
) -> ExternalIdentity:
    """Link a provider account to the signed-in user. A provider account that already
    belongs to someone else is refused (and audited): linking never moves identities."""
    profile = await verify(session, provider, credential, client=client, providers=providers)
    existing = await repository.get_identity(session, provider, profile.external_id)
    if existing is not None:
        if existing.user_id == user_id:
            refresh_identity(existing, profile, providers=providers)
            return existing
        await audit.record(
            session, "identity.link_refused", user_id=user_id, client=client, provider=provider
        )
        raise IdentityTaken()
    if await repository.get_identity_for_user(session, user_id, provider) is not None:
        raise ProviderAlreadyLinked()
    identity = new_identity(user_id, profile, providers=providers)
    try:
        async with session.begin_nested():
            session.add(identity)
            await session.flush()
    except IntegrityError as exc:  # a concurrent link of the same account won
        raise IdentityTaken() from exc
    await audit.record(
        session, "identity.linked", user_id=user_id, client=client, provider=provider
    )
    data = events.LinkedData(provider=provider, external_id=profile.external_id)
    emit(session, events.IdentityLinked(user_ids=(user_id,), data=data))
    return identity


async def unlink(
    session: AsyncSession,
    user_id: int,
    provider: str,
    *,
    client: ClientInfo | None = None,
) -> None:
    """Remove a linked provider, unless it is the account's only way to sign in."""
    await user_row.lock_user(session, user_id)  # concurrent unlinks queue up here
    user = await identity_repository.get_user(session, user_id)
    if user is None:
        raise NotFound("No such user")
    identity = await repository.get_identity_for_user(session, user_id, provider)
    if identity is None:
        raise IdentityNotLinked()
    if user.password_hash is None and await repository.count_for_user(session, user_id) <= 1:
        raise LastSignInMethod()
    await repository.delete_identity(session, identity.id)
    await audit.record(
        session, "identity.unlinked", user_id=user_id, client=client, provider=provider
    )
    data = events.UnlinkedData(provider=provider)
    emit(session, events.IdentityUnlinked(user_ids=(user_id,), data=data))
