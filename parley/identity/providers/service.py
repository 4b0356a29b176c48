"""Social sign-in: verify a provider credential, then sign in, sign up, link or unlink.

Accounts are matched by (provider, external id) only, never by email: a provider email
that equals another user's email neither signs into that user nor is copied onto the new
account. The dialects call the functions at the end (DiscordApi's Yandex ID, Schedule's
`account/auth` and Telegram webhook); they translate shapes only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.db import OUTBOX_KEY, emit
from parley.errors import Forbidden, Invalid, NotFound, ParleyError
from parley.identity import audit, lookup, recovery
from parley.identity import repository as identity_repository
from parley.identity import service as identity_service
from parley.identity.errors import EmailTaken, UsernameTaken
from parley.identity.providers import repository
from parley.identity.providers.base import PROVIDERS, TITLES, ProviderProfile, http_url, well_formed
from parley.identity.providers.errors import (
    AlreadyRegistered,
    BadState,
    IdentityMismatch,
    IdentityNotLinked,
    IdentityTaken,
    LastSignInMethod,
    MissingCredential,
    NotRegistered,
    ProviderAlreadyLinked,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    UnknownProvider,
    Unsupported,
)
from parley.identity.providers.naming import username_base, username_candidates
from parley.identity.providers.telegram import CODE, CODE_TTL_SECONDS
from parley.identity.service import IssuedTokens
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token, same, token_hash
from parley.kit.time import utc_now
from parley.models import ExternalIdentity, TelegramLoginCode, User
from parley.profiles import service as profiles
from parley.runtime import Runtime

log = logging.getLogger("parley.providers")

SCHEDULE_METHODS = {"VK": "vk", "GOOGLE": "google", "TG": "telegram", "TELEGRAM": "telegram"}
FLOWS = {"yandex": "oauth_token", "vk": "id_token", "google": "id_token", "telegram": "bot_code"}


@dataclass(frozen=True)
class Credential:
    """What the client got from the provider: a token (OAuth token, ID token, Telegram
    deep-link code) or the fields of a Telegram Login Widget callback."""

    token: str | None = None
    widget: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    title: str
    flow: str
    authorize_url: bool
    bot_name: str | None = None


@dataclass(frozen=True)
class AuthorizeUrl:
    provider: str
    url: str
    state: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class TelegramReply:
    chat_id: int | str
    text: str


# ---------------------------------------------------------------- providers and URLs


def enabled_providers(rt: Runtime) -> list[ProviderInfo]:
    bot = rt.providers.telegram.bot_name or None
    return [
        ProviderInfo(
            name=name,
            title=TITLES[name],
            flow=FLOWS[name],
            authorize_url=name == "yandex" or (name == "telegram" and bot is not None),
            bot_name=bot if name == "telegram" else None,
        )
        for name in rt.providers.enabled()
    ]


def require_provider(rt: Runtime, provider: str) -> str:
    if provider not in PROVIDERS or provider not in rt.providers.enabled():
        raise UnknownProvider()
    return provider


def authorize_url(rt: Runtime, provider: str, *, redirect_uri: str | None = None) -> AuthorizeUrl:
    """Where to send the person: Yandex's authorize page (with a signed, 10-minute `state`),
    or the Telegram bot deep link with a fresh code to sign in with afterwards."""
    require_provider(rt, provider)
    if provider == "yandex":
        state = rt.providers.box.new_state("yandex")
        return AuthorizeUrl("yandex", rt.providers.yandex.authorize_url(state, redirect_uri), state)
    if provider == "telegram" and rt.providers.telegram.bot_name:
        code = new_token(24)
        return AuthorizeUrl("telegram", rt.providers.telegram.deep_link(code), code=code)
    raise Unsupported(f"{TITLES[provider]} signs in through its own SDK; send its token")


def check_state(rt: Runtime, provider: str, state: str) -> None:
    if not rt.providers.box.check_state(provider, state):
        raise BadState()


# ---------------------------------------------------------------- verification


async def verify(
    session: AsyncSession,
    rt: Runtime,
    provider: str,
    credential: Credential,
    *,
    client: ClientInfo | None = None,
) -> ProviderProfile:
    """Ask the provider who this credential belongs to. Rejections are audited (403);
    outages are 502 and timeouts 504."""
    require_provider(rt, provider)
    try:
        return await _verify(session, rt, provider, credential)
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
    session: AsyncSession, rt: Runtime, provider: str, credential: Credential
) -> ProviderProfile:
    clients = rt.providers
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
    return await _consume_telegram_code(session, rt, token)


async def _consume_telegram_code(session: AsyncSession, rt: Runtime, code: str) -> ProviderProfile:
    record = await repository.get_code(session, token_hash(code))
    if record is None or record.expires_at <= utc_now():
        raise ProviderRejected("Unknown or expired Telegram code", reason="unknown_code")
    if not await repository.delete_code(session, record.id):
        raise ProviderRejected("This Telegram code was already used", reason="used_code")
    return rt.providers.telegram.profile(record.telegram_user_id, record.profile)


# ---------------------------------------------------------------- sign-in, link, unlink


async def sign_in(
    session: AsyncSession,
    rt: Runtime,
    provider: str,
    credential: Credential,
    *,
    client: ClientInfo,
    state: str | None = None,
    surface: str = "native",
    with_refresh: bool = True,
) -> IssuedTokens:
    """Sign in with a provider; an unknown provider account gets a new user."""
    if state is not None:
        check_state(rt, provider, state)
    if client.ip:
        await rt.limiter.hit(rt.settings.rate_login_ip, "login-ip", client.ip)
    profile = await verify(session, rt, provider, credential, client=client)
    user = await _user_for(session, rt, profile, client, create=True)
    return await identity_service.start_session(
        session, rt, user, client, surface=surface, with_refresh=with_refresh
    )


async def list_identities(session: AsyncSession, user_id: int) -> list[ExternalIdentity]:
    return list(await repository.list_for_user(session, user_id))


async def link(
    session: AsyncSession,
    rt: Runtime,
    user_id: int,
    provider: str,
    credential: Credential,
    *,
    client: ClientInfo | None = None,
) -> ExternalIdentity:
    """Link a provider account to the signed-in user. A provider account that already
    belongs to someone else is refused (and audited): linking never moves identities."""
    profile = await verify(session, rt, provider, credential, client=client)
    existing = await repository.get_identity(session, provider, profile.external_id)
    if existing is not None:
        if existing.user_id == user_id:
            _refresh(rt, existing, profile)
            return existing
        await audit.record(
            session, "identity.link_refused", user_id=user_id, client=client, provider=provider
        )
        raise IdentityTaken()
    if await repository.get_identity_for_user(session, user_id, provider) is not None:
        raise ProviderAlreadyLinked()
    identity = _new_identity(rt, user_id, profile)
    try:
        async with session.begin_nested():
            session.add(identity)
            await session.flush()
    except IntegrityError as exc:  # a concurrent link of the same account won
        raise IdentityTaken() from exc
    await audit.record(
        session, "identity.linked", user_id=user_id, client=client, provider=provider
    )
    emit(
        session,
        "identity.linked",
        {"user_ids": [user_id], "data": {"provider": provider, "external_id": profile.external_id}},
    )
    return identity


async def unlink(
    session: AsyncSession,
    user_id: int,
    provider: str,
    *,
    client: ClientInfo | None = None,
) -> None:
    """Remove a linked provider, unless it is the account's only way to sign in."""
    await profiles.lock_user(session, user_id)  # concurrent unlinks queue up here
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
    emit(
        session,
        "identity.unlinked",
        {"user_ids": [user_id], "data": {"provider": provider}},
    )


# ---------------------------------------------------------------- Telegram bot


def check_telegram_secret(rt: Runtime, presented: str | None) -> None:
    """The webhook is Telegram's only if it carries our secret (constant-time compare)."""
    if not rt.providers.telegram.enabled or not rt.providers.telegram.secret_ok(presented):
        raise Forbidden("Bad webhook secret")


async def receive_telegram_update(
    session: AsyncSession, rt: Runtime, update: Mapping[str, Any], *, secret: str | None
) -> TelegramReply | None:
    """Handle one Bot API update. `/start <code>` stores the code (hashed) with the sender's
    Telegram id and profile for five minutes; the reply is for `send_telegram_reply`."""
    check_telegram_secret(rt, secret)
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from")
    chat = message.get("chat")
    body = message.get("text")
    if not isinstance(sender, dict) or not isinstance(chat, dict) or sender.get("is_bot"):
        return None
    chat_id = chat.get("id")
    sender_id = sender.get("id")
    if not isinstance(chat_id, int | str) or not isinstance(sender_id, int) or sender_id <= 0:
        return None
    if not isinstance(body, str) or not body.startswith("/start"):
        return TelegramReply(chat_id, "Open the app and choose “Sign in with Telegram”.")
    parts = body.split(maxsplit=1)
    code = parts[1].strip() if len(parts) == 2 else ""
    if not CODE.fullmatch(code):
        return TelegramReply(chat_id, "This sign-in link is not valid. Start again from the app.")
    telegram_id = str(sender_id)
    code_hash = token_hash(code)
    record = await repository.get_code(session, code_hash)
    if record is not None and record.expires_at <= utc_now():
        record = None  # removed with the other expired codes below
    if record is not None and record.telegram_user_id != telegram_id:
        return TelegramReply(
            chat_id, "This sign-in link was already used. Start again from the app."
        )
    # The Bot API calls come before any write, so no lock is held while they run.
    photo_path = await rt.providers.telegram.photo_path(sender_id)
    profile = {
        "first_name": sender.get("first_name"),
        "last_name": sender.get("last_name"),
        "username": sender.get("username"),
        "photo_path": photo_path,
    }
    now = utc_now()
    await repository.delete_expired_codes(session, now)
    expires = now + timedelta(seconds=CODE_TTL_SECONDS)
    if record is not None:
        record.profile = profile
        record.expires_at = expires
    else:
        try:
            async with session.begin_nested():
                session.add(
                    TelegramLoginCode(
                        code_hash=code_hash,
                        telegram_user_id=telegram_id,
                        profile=profile,
                        expires_at=expires,
                    )
                )
                await session.flush()
        except IntegrityError:
            return TelegramReply(chat_id, "This sign-in link was already used.")
    await audit.record(session, "telegram.code_stored", telegram_user_id=telegram_id)
    return TelegramReply(chat_id, "Done! Return to the app to finish signing in.")


async def send_telegram_reply(rt: Runtime, reply: TelegramReply) -> None:
    """Deliver a reply through `sendMessage`; call it after the request committed."""
    await rt.providers.telegram.send_message(reply.chat_id, reply.text)


# ---------------------------------------------------------------- DiscordApi (Yandex ID)


def yandex_oauth_url(rt: Runtime) -> str:
    return authorize_url(rt, "yandex").url


async def register_with_yandex(
    session: AsyncSession,
    rt: Runtime,
    *,
    oauth_token: str,
    client: ClientInfo,
    **profile: object,
) -> User:
    """Create an account from a Yandex OAuth token (409 if that Yandex account is known).
    `profile` holds optional User columns (country, locale)."""
    found = await verify(session, rt, "yandex", Credential(token=oauth_token), client=client)
    if await repository.get_identity(session, "yandex", found.external_id) is not None:
        raise AlreadyRegistered()
    return await _create_user(session, rt, found, client, **profile)


async def login_with_yandex(
    session: AsyncSession,
    rt: Runtime,
    *,
    oauth_token: str,
    client: ClientInfo,
    surface: str = "discordapi",
) -> IssuedTokens:
    """A long-lived single-token session for a registered Yandex account (404 otherwise)."""
    found = await verify(session, rt, "yandex", Credential(token=oauth_token), client=client)
    user = await _user_for(session, rt, found, client, create=False)
    return await identity_service.start_session(
        session, rt, user, client, surface=surface, with_refresh=False
    )


# ---------------------------------------------------------------- Schedule account/auth


async def schedule_auth(
    session: AsyncSession,
    rt: Runtime,
    *,
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
        await rt.limiter.hit(rt.settings.rate_login_ip, "login-ip", client.ip)
    found = await verify(session, rt, provider, Credential(token=id_token), client=client)
    if claimed and not same(claimed, found.external_id):
        await audit.record(session, "provider.identity_mismatch", client=client, provider=provider)
        raise IdentityMismatch()
    found = replace(
        found,
        name=found.name or ((full_name or "").strip()[:200] or None),
        avatar_url=found.avatar_url or http_url(avatar_url),
    )
    user = await _user_for(session, rt, found, client, create=True)
    return await identity_service.start_session(
        session, rt, user, client, surface="schedule", with_refresh=True
    )


# ---------------------------------------------------------------- internals


async def _user_for(
    session: AsyncSession,
    rt: Runtime,
    profile: ProviderProfile,
    client: ClientInfo,
    *,
    create: bool,
) -> User:
    identity = await repository.get_identity(session, profile.provider, profile.external_id)
    if identity is None:
        if not create:
            raise NotRegistered()
        return await _create_user(session, rt, profile, client)
    _refresh(rt, identity, profile)
    try:
        return await lookup.get_live_user(session, identity.user_id)
    except NotFound as exc:
        raise Forbidden("This account is disabled") from exc


async def _create_user(
    session: AsyncSession,
    rt: Runtime,
    profile: ProviderProfile,
    client: ClientInfo,
    **columns: object,
) -> User:
    """A new user plus its identity, in a savepoint so a lost race is survivable: a
    concurrent sign-up of the same provider account wins and we sign into its user."""
    picture = await _download_avatar(rt, profile)
    email = profile.email
    if email and await identity_repository.email_taken(session, email):
        email = None  # someone else's address: never attach it, never sign into them
    outbox: list[Any] = session.info.setdefault(OUTBOX_KEY, [])
    for username in username_candidates(username_base(profile)):
        if await identity_repository.username_taken(session, username):
            continue
        queued = len(outbox)
        try:
            async with session.begin_nested():
                user = await identity_service.create_account(
                    session,
                    rt,
                    username=username,
                    password=None,
                    email=email,
                    client=client,
                    display_name=profile.name,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    **columns,
                )
                identity = _new_identity(rt, user.id, profile)
                session.add(identity)
                await session.flush()
        except (UsernameTaken, EmailTaken, IntegrityError):  # a concurrent sign-up won a race
            del outbox[queued:]  # events of the rolled-back savepoint must not go out
            winner = await repository.get_identity(session, profile.provider, profile.external_id)
            if winner is not None:
                return await lookup.get_live_user(session, winner.user_id)
            if email and await identity_repository.email_taken(session, email):
                email = None
            continue
        await audit.record(
            session, "identity.signed_up", user_id=user.id, client=client, provider=profile.provider
        )
        await _set_avatar(session, rt, user, profile, picture)
        if user.email:  # like every sign-up (after the savepoint: a lost race mails nothing)
            await recovery.send_email_verification(session, rt, user, rate_limited=False)
        return user
    raise UsernameTaken("Could not find a free username; try again")


async def _download_avatar(rt: Runtime, profile: ProviderProfile) -> bytes | None:
    """The provider's picture, fetched before anything is written (no lock held meanwhile);
    None when there is none or it cannot be had: a picture never blocks a sign-up."""
    if not profile.avatar_source:
        return None
    try:
        return await rt.providers.http.download(
            profile.provider, profile.avatar_source, rt.settings.avatar_max_bytes
        )
    except (ProviderUnavailable, ProviderTimeout) as exc:
        log.info(
            "provider avatar not downloaded",
            extra={"provider": profile.provider, "error": exc.code},
        )
        return None


async def _set_avatar(
    session: AsyncSession,
    rt: Runtime,
    user: User,
    profile: ProviderProfile,
    picture: bytes | None,
) -> None:
    """Store the downloaded picture like an upload (validated, re-encoded, thumbnail); failing
    that, point at the public avatar URL (the provider's, or Schedule's `avatarUrl`) if any."""
    if picture is not None and await _attempt(
        session, profile.provider, lambda: profiles.set_avatar(session, rt, user, picture)
    ):
        return
    external = profile.avatar_url
    if external:
        await _attempt(
            session,
            profile.provider,
            lambda: profiles.set_external_avatar(session, rt, user, external),
        )


async def _attempt(
    session: AsyncSession, provider: str, work: Callable[[], Awaitable[object]]
) -> bool:
    """Run an avatar change in a savepoint; a failure is logged, never raised."""
    try:
        async with session.begin_nested():
            await work()
    except ParleyError as exc:
        log.info("provider avatar rejected", extra={"provider": provider, "error": exc.code})
        return False
    except Exception:  # e.g. storage outage: the account must not depend on its picture
        log.warning("provider avatar not stored", extra={"provider": provider}, exc_info=True)
        return False
    return True


def _new_identity(rt: Runtime, user_id: int, profile: ProviderProfile) -> ExternalIdentity:
    return ExternalIdentity(
        user_id=user_id,
        provider=profile.provider,
        external_id=profile.external_id,
        profile=profile.snapshot(),
        tokens=rt.providers.box.seal(profile.tokens),
        last_login_at=utc_now(),
    )


def _refresh(rt: Runtime, identity: ExternalIdentity, profile: ProviderProfile) -> None:
    """Keep the latest provider snapshot and tokens; the user's own profile is untouched."""
    snapshot = profile.snapshot()
    if snapshot.get("avatar") is None and identity.profile.get("avatar"):
        snapshot["avatar"] = identity.profile["avatar"]
    identity.profile = snapshot
    if profile.tokens:
        identity.tokens = rt.providers.box.seal(profile.tokens)
    identity.last_login_at = utc_now()
