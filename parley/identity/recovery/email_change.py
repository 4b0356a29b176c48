"""Changing the account's email (and username) as a stolen access token cannot.

1. `request_change`: after re-authentication (`reauth.confirm_identity`) a new address gets a
   6-digit code and a single-use link (an `email_change` one-time code: hashed, expiring,
   5 tries counted atomically). The account keeps its old address meanwhile.
2. `confirm_by_code` / `confirm_by_link`: the new address replaces the old one, verified.
3. The old address (if any) is told, with a single-use "this wasn't me" link (`revert`) that
   restores it, cancels pending changes and resets, forgets the devices proven since the
   change and revokes every session.

Clearing the email (`email=None`) needs the same re-authentication, applies at once and also
notifies the old address. It never switches off the new-device check (see
`devices.needs_challenge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit, lookup, reauth, user_row
from parley.identity.accounts.errors import EmailTaken
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.validation import clean_email
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import CodeExpired
from parley.identity.devices.mail import send_after_commit
from parley.identity.sessions import repository
from parley.identity.sessions import service as session_service
from parley.identity.sessions.tokens import Principal
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.kit.secrets import mask_email
from parley.kit.time import utc_now
from parley.models import User
from parley.settings import Settings

EMAIL_CHANGE = "email_change"
EMAIL_REVERT = "email_revert"
CONFIRM_PATH = "/v1/auth/email-change/confirm"
REVERT_PATH = "/v1/auth/email-change/revert"


EmailChangeStatus = Literal["pending", "cleared", "unchanged"]


@dataclass(frozen=True)
class EmailChange:
    """`pending`: a code went to `pending_email`; `cleared`: the account has no email now;
    `unchanged`: the address asked for is already the account's."""

    status: EmailChangeStatus
    pending_email: str | None = None
    expires_in: int | None = None


async def request_change(
    session: AsyncSession,
    principal: Principal,
    user: User,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    passwords: Passwords,
    email: str | None,
    current_password: str | None,
    client: ClientInfo | None = None,
) -> EmailChange:
    """`POST /v1/users/me/email`: set, change (verified first) or clear the address."""
    await reauth.confirm_identity(
        session,
        principal,
        user,
        current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return await change_email(
        session, user, email, client, settings=settings, limiter=limiter, mailer=mailer
    )


async def change_email(
    session: AsyncSession,
    user: User,
    email: object,
    client: ClientInfo | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> EmailChange:
    """Set, change (verified first) or clear the address of an account whose owner has just
    re-authenticated (`reauth.confirm_identity`)."""
    if email is None:
        return await _clear(
            session, user, client, settings=settings, limiter=limiter, mailer=mailer
        )
    address = clean_email(str(email))
    if address == user.email:
        return EmailChange("unchanged")
    if await repository.email_taken(session, address, except_id=user.id):
        raise EmailTaken()
    issued = await codes.issue(
        session,
        user,
        EMAIL_CHANGE,
        with_link=True,
        context={"email": address},
        rate_key=str(user.id),
        settings=settings,
        limiter=limiter,
    )
    minutes = settings.code_ttl_seconds // 60
    link = _link(CONFIRM_PATH, issued.link_token, settings=settings)
    send_after_commit(
        session,
        mailer,
        address,
        "Confirm your new Parley email",
        f"Hello {user.username},\n\nYou asked to use this address for your Parley account.\n\n"
        f"Code: {issued.code}\nLink: {link}\n\n"
        f"Both are valid for {minutes} minutes. Until then the account keeps its current"
        " address. If you did not ask for this, ignore this mail.\n",
    )
    await audit.record(session, "email.change_requested", user_id=user.id, client=client)
    return EmailChange("pending", address, settings.code_ttl_seconds)


async def _clear(
    session: AsyncSession,
    user: User,
    client: ClientInfo | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> EmailChange:
    old = user.email
    if old is None:
        return EmailChange("unchanged")
    now = utc_now()
    await repo.supersede_codes(session, user.id, EMAIL_CHANGE, now)
    user.email, user.email_verified_at = None, None
    await session.flush()
    await _notify_old_address(
        session, user, old, None, now, settings=settings, limiter=limiter, mailer=mailer
    )
    await audit.record(session, "email.cleared", user_id=user.id, client=client)
    await user_row.touch_profile(session, user.id)
    return EmailChange("cleared")


async def confirm_by_code(
    session: AsyncSession,
    user: User,
    code: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> User:
    record = await repo.latest_code(session, user.id, EMAIL_CHANGE)
    record = await codes.check(session, record, code, settings=settings)
    return await _apply(
        session,
        user,
        str(record.context["email"]),
        settings=settings,
        limiter=limiter,
        mailer=mailer,
    )


async def confirm_by_link(
    session: AsyncSession, token: str, *, settings: Settings, limiter: RateLimiter, mailer: Mailer
) -> User:
    record = await codes.redeem_link(session, token, (EMAIL_CHANGE,))
    user = await lookup.get_live_user(session, record.user_id)
    return await _apply(
        session,
        user,
        str(record.context["email"]),
        settings=settings,
        limiter=limiter,
        mailer=mailer,
    )


async def _apply(
    session: AsyncSession,
    user: User,
    address: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> User:
    if await repository.email_taken(session, address, except_id=user.id):
        raise EmailTaken()
    old, now = user.email, utc_now()
    user.email, user.email_verified_at = address, now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # registered by someone else meanwhile
        raise EmailTaken() from exc
    if old is not None:
        await _notify_old_address(
            session, user, old, address, now, settings=settings, limiter=limiter, mailer=mailer
        )
    await audit.record(session, "email.changed", user_id=user.id)
    await user_row.touch_profile(session, user.id)
    return user


async def _notify_old_address(
    session: AsyncSession,
    user: User,
    old: str,
    new: str | None,
    changed_at: datetime,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> None:
    issued = await codes.issue(
        session,
        user,
        EMAIL_REVERT,
        with_code=False,
        with_link=True,
        ttl_seconds=settings.email_revert_ttl_seconds,
        supersede=False,
        context={"email": old, "changed_at": changed_at.isoformat()},
        settings=settings,
        limiter=limiter,
    )
    what = f"changed to {mask_email(new)}" if new else "removed"
    days = settings.email_revert_ttl_seconds // 86400
    link = _link(REVERT_PATH, issued.link_token, settings=settings)
    send_after_commit(
        session,
        mailer,
        old,
        "Your Parley email was changed",
        f"Hello {user.username},\n\nThe email of your Parley account was {what}.\n\n"
        "If this wasn't you, open this link to restore this address, sign out everywhere"
        f" and forget the devices added since (valid {days} days):\n"
        f"{link}\n\nThen reset your password.\n",
    )


async def revert(session: AsyncSession, *, token: str) -> int:
    """The old address's "this wasn't me" link. Returns how many sessions were revoked."""
    record = await codes.redeem_link(session, token, (EMAIL_REVERT,))
    user = await lookup.get_live_user(session, record.user_id)
    old = str(record.context["email"])
    now = utc_now()
    for purpose in (EMAIL_CHANGE, codes.PASSWORD_RESET, codes.VERIFY_EMAIL):
        await repo.supersede_codes(session, user.id, purpose, now)
    changed_at = datetime.fromisoformat(str(record.context["changed_at"]))
    await repo.delete_devices_since(session, user.id, changed_at)
    if user.email != old and not await repository.email_taken(session, old, except_id=user.id):
        user.email = old
    if user.email == old:
        user.email_verified_at = now  # the mailbox just proved itself
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise CodeExpired("This address now belongs to another account") from exc
    await audit.record(session, "email.reverted", user_id=user.id)
    await user_row.touch_profile(session, user.id)
    return await session_service.revoke_all_sessions(session, user.id, "email_reverted")


def _link(path: str, token: str | None, *, settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}{path}?token={token}"
