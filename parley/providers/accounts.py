"""The Parley account behind a provider account: found by (provider, external id), or
signed up with a username, the provider's picture and the identity row (`sign_up_with`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.db import OUTBOX_KEY
from parley.errors import Forbidden, NotFound, ParleyError
from parley.identity.accounts import audit, lookup
from parley.identity.accounts import service as identity_service
from parley.identity.accounts.errors import EmailTaken, UsernameTaken
from parley.identity.recovery import service as recovery
from parley.identity.sessions import repository as identity_repository
from parley.infra.storage import Storage
from parley.kit.client import ClientInfo
from parley.kit.time import utc_now
from parley.models import ExternalIdentity, User
from parley.profiles import service as profiles
from parley.providers import repository
from parley.providers.base import ProviderProfile
from parley.providers.clients import ProviderClients
from parley.providers.collaborators import ProviderSignIn
from parley.providers.errors import NotRegistered, ProviderTimeout, ProviderUnavailable
from parley.providers.naming import username_base, username_candidates
from parley.settings import Settings

log = logging.getLogger("parley.providers")


async def user_for(
    session: AsyncSession,
    profile: ProviderProfile,
    client: ClientInfo,
    *,
    using: ProviderSignIn,
    create: bool,
) -> User:
    identity = await repository.get_identity(session, profile.provider, profile.external_id)
    if identity is None:
        if not create:
            raise NotRegistered()
        return await sign_up_with(
            session,
            profile,
            client,
            using=using,
        )
    refresh_identity(identity, profile, providers=using.providers)
    try:
        return await lookup.get_live_user(session, identity.user_id)
    except NotFound as exc:
        raise Forbidden("This account is disabled") from exc


async def sign_up_with(
    session: AsyncSession,
    profile: ProviderProfile,
    client: ClientInfo,
    *,
    using: ProviderSignIn,
    **columns: object,
) -> User:
    """A new user plus its identity, in a savepoint so a lost race is survivable: a
    concurrent sign-up of the same provider account wins and we sign into its user."""
    picture = await _download_avatar(profile, settings=using.settings, providers=using.providers)
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
                    username=username,
                    password=None,
                    email=email,
                    client=client,
                    display_name=profile.name,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    **columns,
                    settings=using.settings,
                    limiter=using.limiter,
                    passwords=using.passwords,
                )
                identity = new_identity(user.id, profile, providers=using.providers)
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
        await _set_avatar(
            session,
            user,
            profile,
            picture,
            settings=using.settings,
            storage=using.storage,
            image_decoding=using.image_decoding,
        )
        if user.email:  # like every sign-up (after the savepoint: a lost race mails nothing)
            await recovery.send_email_verification(
                session,
                user,
                rate_limited=False,
                settings=using.settings,
                limiter=using.limiter,
                mailer=using.mailer,
            )
        return user
    raise UsernameTaken("Could not find a free username; try again")


async def _download_avatar(
    profile: ProviderProfile, *, settings: Settings, providers: ProviderClients
) -> bytes | None:
    """The provider's picture, fetched before anything is written (no lock held meanwhile);
    None when there is none or it cannot be had: a picture never blocks a sign-up."""
    if not profile.avatar_source:
        return None
    try:
        return await providers.http.download(
            profile.provider, profile.avatar_source, settings.avatar_max_bytes
        )
    except (ProviderUnavailable, ProviderTimeout) as exc:
        log.info(
            "provider avatar not downloaded",
            extra={"provider": profile.provider, "error": exc.code},
        )
        return None


async def _set_avatar(
    session: AsyncSession,
    user: User,
    profile: ProviderProfile,
    picture: bytes | None,
    *,
    settings: Settings,
    storage: Storage,
    image_decoding: anyio.CapacityLimiter,
) -> None:
    """Store the downloaded picture like an upload (validated, re-encoded, thumbnail); failing
    that, point at the public avatar URL (the provider's, or Schedule's `avatarUrl`) if any."""
    if picture is not None and await _attempt(
        session,
        profile.provider,
        lambda: profiles.set_avatar(
            session,
            user,
            picture,
            settings=settings,
            storage=storage,
            image_decoding=image_decoding,
        ),
    ):
        return
    external = profile.avatar_url
    if external:
        await _attempt(
            session,
            profile.provider,
            lambda: profiles.set_external_avatar(session, user, external, storage=storage),
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


def new_identity(
    user_id: int, profile: ProviderProfile, *, providers: ProviderClients
) -> ExternalIdentity:
    return ExternalIdentity(
        user_id=user_id,
        provider=profile.provider,
        external_id=profile.external_id,
        profile=profile.snapshot(),
        tokens=providers.box.seal(profile.tokens),
        last_login_at=utc_now(),
    )


def refresh_identity(
    identity: ExternalIdentity, profile: ProviderProfile, *, providers: ProviderClients
) -> None:
    """Keep the latest provider snapshot and tokens; the user's own profile is untouched."""
    snapshot = profile.snapshot()
    if snapshot.get("avatar") is None and identity.profile.get("avatar"):
        snapshot["avatar"] = identity.profile["avatar"]
    identity.profile = snapshot
    if profile.tokens:
        identity.tokens = providers.box.seal(profile.tokens)
    identity.last_login_at = utc_now()
