"""Provider credentials: which providers are on, where to send the person (authorize
URLs, signed `state`), and asking the provider whose credential this is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token, token_hash
from parley.kit.time import utc_now
from parley.providers import repository
from parley.providers.base import PROVIDERS, TITLES, ProviderProfile, well_formed
from parley.providers.clients import ProviderClients
from parley.providers.errors import (
    BadState,
    MissingCredential,
    ProviderRejected,
    UnknownProvider,
    Unsupported,
)


@dataclass(frozen=True)
class Credential:
    """What the client got from the provider: a token (OAuth token, ID token, Telegram
    deep-link code) or the fields of a Telegram Login Widget callback."""

    token: str | None = None
    widget: Mapping[str, str] | None = None


@dataclass(frozen=True)
class AuthorizeUrl:
    provider: str
    url: str
    state: str | None = None
    code: str | None = None


def require_provider(provider: str, *, providers: ProviderClients) -> str:
    if provider not in PROVIDERS or provider not in providers.enabled():
        raise UnknownProvider()
    return provider


def authorize_url(
    provider: str, *, providers: ProviderClients, redirect_uri: str | None = None
) -> AuthorizeUrl:
    """Where to send the person: Yandex's authorize page (with a signed, 10-minute `state`),
    or the Telegram bot deep link with a fresh code to sign in with afterwards."""
    require_provider(provider, providers=providers)
    if provider == "yandex":
        state = providers.box.new_state("yandex")
        return AuthorizeUrl("yandex", providers.yandex.authorize_url(state, redirect_uri), state)
    if provider == "telegram" and providers.telegram.bot_name:
        code = new_token(24)
        return AuthorizeUrl("telegram", providers.telegram.deep_link(code), code=code)
    raise Unsupported(f"{TITLES[provider]} signs in through its own SDK; send its token")


def check_state(provider: str, state: str, *, providers: ProviderClients) -> None:
    if not providers.box.check_state(provider, state):
        raise BadState()


async def verify(
    session: AsyncSession,
    provider: str,
    credential: Credential,
    *,
    providers: ProviderClients,
    client: ClientInfo | None = None,
) -> ProviderProfile:
    """Ask the provider who this credential belongs to. Rejections are audited (403);
    outages are 502 and timeouts 504."""
    require_provider(provider, providers=providers)
    try:
        return await _verify(session, provider, credential, providers=providers)
    except ProviderRejected as exc:
        await audit.record(
            session,
            "provider.rejected",
            client=client,
            provider=provider,
            reason=exc.extra.get("reason", "rejected"),
        )
        raise


async def _verify(
    session: AsyncSession, provider: str, credential: Credential, *, providers: ProviderClients
) -> ProviderProfile:
    clients = providers
    if provider == "telegram" and credential.widget is not None:
        return clients.telegram.verify_widget(credential.widget)
    token = credential.token
    if not token:
        raise MissingCredential()
    if not well_formed(token):
        raise ProviderRejected("Malformed token", reason="malformed")
    if provider == "yandex":
        return await clients.yandex.verify(token)
    if provider == "vk":
        return await clients.vk.verify(token)
    if provider == "google":
        return await clients.google.verify(token)
    return await _consume_telegram_code(session, token, providers=providers)


async def _consume_telegram_code(
    session: AsyncSession, code: str, *, providers: ProviderClients
) -> ProviderProfile:
    record = await repository.get_code(session, token_hash(code))
    if record is None or record.expires_at <= utc_now():
        raise ProviderRejected("Unknown or expired Telegram code", reason="unknown_code")
    if not await repository.delete_code(session, record.id):
        raise ProviderRejected("This Telegram code was already used", reason="used_code")
    return providers.telegram.profile(record.telegram_user_id, record.profile)
