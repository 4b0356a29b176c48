"""Sign-up: the one way every surface creates an account with a password.

Native, DiscordApi, Goncord and Whisper registrations all call `sign_up`; only the shapes
around it differ. Provider sign-ups (`parley.providers`) create their accounts themselves. It
sits above the domains it calls (identity, access for the roles, messaging for the keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from parley.access import service as access
from parley.identity.accounts import service
from parley.identity.accounts.passwords import Passwords
from parley.identity.recovery import service as recovery
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.messaging import keys as key_material
from parley.models import App, User
from parley.settings import Settings


@dataclass(frozen=True)
class NewAccount:
    """What a registration names: `profile` holds optional User columns (names, bio,
    country, ...)."""

    username: str
    password: str | None
    email: str | None = None
    profile: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyMaterial:
    """End-to-end key material stored with the account (Whisper's registration)."""

    public_key: str
    encrypted_private_key: str
    pin: str


async def sign_up(
    session: AsyncSession,
    account: NewAccount,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    passwords: Passwords,
    client: ClientInfo | None = None,
    roles: Sequence[str] | None = None,
    keys: KeyMaterial | None = None,
    app: App | None = None,
) -> User:
    """Create an account: `roles` are granted as `app` may grant them (protected roles need
    a super app), `keys` are stored; an account with an email is mailed its verification
    code and link."""
    granted = await access.check_sign_up_roles(session, roles or (), app, settings=settings)
    user = await service.create_account(
        session,
        username=account.username,
        password=account.password,
        email=account.email,
        client=client,
        **account.profile,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    if granted:
        await access.set_user_roles(session, user, granted)
    if keys is not None:
        await key_material.set_keys(
            session,
            user.id,
            public_key=keys.public_key,
            encrypted_private_key=keys.encrypted_private_key,
            pin=keys.pin,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
    if user.email:
        await recovery.send_email_verification(
            session, user, rate_limited=False, settings=settings, limiter=limiter, mailer=mailer
        )
    return user
