"""Email verification and password reset, on the one-time code machinery.

Answers never depend on whether an address is registered: requests are rate limited per
address before the lookup, and mail leaves in the background after commit.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from parley.db import Database
from parley.identity.accounts import audit, lookup, service
from parley.identity.accounts.errors import InvalidEmail
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.validation import check_password, clean_email
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import CodeExpired
from parley.identity.devices.mail import run_after_commit, send_after_commit
from parley.identity.sessions import repository
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.kit.time import utc_now
from parley.models import User
from parley.settings import Settings

log = logging.getLogger("parley.identity.recovery.service")


async def send_email_verification(
    session: AsyncSession,
    user: User,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    rate_limited: bool = True,
) -> None:
    """Mail a fresh code and link for the account's address (no-op once verified)."""
    if not user.email or user.email_verified_at is not None:
        return
    issued = await codes.issue(
        session,
        user,
        codes.VERIFY_EMAIL,
        with_link=True,
        context={"email": user.email},
        rate_key=user.email if rate_limited else None,
        settings=settings,
        limiter=limiter,
    )
    link = _link("/verify", issued.link_token, settings=settings)
    send_after_commit(
        session,
        mailer,
        user.email,
        "Confirm your email",
        f"Hello {user.username},\n\nYour Parley confirmation code is {issued.code}.\n\n"
        f"Or open this link:\n{link}\n\nIt is valid for "
        f"{settings.code_ttl_seconds // 60} minutes.\n",
    )


async def verify_email_code(
    session: AsyncSession, user: User, code: str, *, settings: Settings
) -> User:
    record = await repo.latest_code(session, user.id, codes.VERIFY_EMAIL)
    record = await codes.check(session, record, code, settings=settings)
    return await _mark_verified(session, user, record.context.get("email"))


async def verify_email_link(session: AsyncSession, token: str) -> User:
    record = await codes.redeem_link(session, token, (codes.VERIFY_EMAIL,))
    user = await lookup.get_live_user(session, record.user_id)
    return await _mark_verified(session, user, record.context.get("email"))


async def _mark_verified(session: AsyncSession, user: User, email: object) -> User:
    if email != user.email:  # the address changed since the code was sent
        raise CodeExpired()
    if user.email_verified_at is None:
        user.email_verified_at = utc_now()
        await audit.record(session, "email.verified", user_id=user.id)
    return user


async def request_password_reset(
    session: AsyncSession,
    *,
    settings: Settings,
    db: Database,
    limiter: RateLimiter,
    mailer: Mailer,
    email: str,
    client: ClientInfo,
) -> None:
    """Mail a reset code and link when the address is registered; silent otherwise.

    The request itself only counts its rate limits; looking the address up, issuing the code
    and mailing it run after commit in their own unit of work, so the answer takes the same
    time whether or not the address is registered."""
    address = _address(email)
    if address is None:
        return
    await limiter.hit(settings.rate_code_mail, "code-mail", codes.PASSWORD_RESET, address)
    if client.ip:
        await limiter.hit(settings.rate_login_ip, "reset-ip", client.ip)
    run_after_commit(
        session,
        lambda: _send_password_reset(
            address, client, settings=settings, db=db, limiter=limiter, mailer=mailer
        ),
    )


async def _send_password_reset(
    address: str,
    client: ClientInfo,
    *,
    settings: Settings,
    db: Database,
    limiter: RateLimiter,
    mailer: Mailer,
) -> None:
    try:
        async with db.unit_of_work() as session:
            user = await repository.get_user_by_email(session, address)
            if not lookup.is_live(user):
                return
            issued = await codes.issue(
                session,
                user,
                codes.PASSWORD_RESET,
                with_link=True,
                settings=settings,
                limiter=limiter,
            )
            link = _link("/reset", issued.link_token, settings=settings)
            send_after_commit(
                session,
                mailer,
                address,
                "Reset your Parley password",
                f"Hello {user.username},\n\nSomeone asked to reset your Parley password.\n\n"
                f"Code: {issued.code}\nLink: {link}\n\nBoth are valid for "
                f"{settings.code_ttl_seconds // 60} minutes. If you did not ask, ignore "
                "this mail.\n",
            )
            await audit.record(session, "password.reset_requested", user_id=user.id, client=client)
    except Exception:
        log.exception("password reset request failed")


async def reset_password(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
    new_password: str,
    client: ClientInfo,
    token: str | None = None,
    email: str | None = None,
    code: str | None = None,
) -> None:
    """Set a new password with the mailed link token, or the email and code; revokes every
    session. A wrong email and a wrong code fail the same way."""
    check_password(new_password)
    if token:
        record = await codes.redeem_link(session, token, (codes.PASSWORD_RESET,))
    else:
        address = _address(email or "")
        if address is None or not code:
            raise CodeExpired()
        await limiter.hit(settings.rate_code, "reset-confirm", address)
        user = await repository.get_user_by_email(session, address)
        found = await repo.latest_code(session, user.id, codes.PASSWORD_RESET) if user else None
        record = await codes.check(session, found, code, settings=settings)
    user = await lookup.get_live_user(session, record.user_id)
    await service.set_password(session, user, new_password, passwords=passwords)
    if user.email and user.email_verified_at is None:
        user.email_verified_at = utc_now()  # the mailbox just proved itself
    await audit.record(session, "password.reset_by_mail", user_id=user.id, client=client)


def _address(email: str) -> str | None:
    try:
        return clean_email(email)
    except InvalidEmail:
        return None


def _link(path: str, token: str | None, *, settings: Settings) -> str:
    """A mailed link: a web client route that posts the token to the API."""
    return f"{settings.public_url.rstrip('/')}{path}?token={token}"
