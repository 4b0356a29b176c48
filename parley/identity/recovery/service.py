"""Email verification and password reset, on the one-time code machinery.

Answers never depend on whether an address is registered: requests are rate limited per
address before the lookup, and mail leaves in the background after commit.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit, lookup, service
from parley.identity.accounts.errors import InvalidEmail
from parley.identity.accounts.validation import check_password, clean_email
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import CodeExpired
from parley.identity.devices.mail import run_after_commit, send_after_commit
from parley.identity.sessions import repository
from parley.kit.client import ClientInfo
from parley.kit.time import utc_now
from parley.models import User
from parley.runtime import Runtime

log = logging.getLogger("parley.identity.recovery.service")


async def send_email_verification(
    session: AsyncSession, rt: Runtime, user: User, *, rate_limited: bool = True
) -> None:
    """Mail a fresh code and link for the account's address (no-op once verified)."""
    if not user.email or user.email_verified_at is not None:
        return
    issued = await codes.issue(
        session,
        rt,
        user,
        codes.VERIFY_EMAIL,
        with_link=True,
        context={"email": user.email},
        rate_key=user.email if rate_limited else None,
    )
    link = _link(rt, "/verify", issued.link_token)
    send_after_commit(
        session,
        rt.mailer,
        user.email,
        "Confirm your email",
        f"Hello {user.username},\n\nYour Parley confirmation code is {issued.code}.\n\n"
        f"Or open this link:\n{link}\n\nIt is valid for "
        f"{rt.settings.code_ttl_seconds // 60} minutes.\n",
    )


async def verify_email_code(session: AsyncSession, rt: Runtime, user: User, code: str) -> User:
    record = await repo.latest_code(session, user.id, codes.VERIFY_EMAIL)
    record = await codes.check(session, rt, record, code)
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
    session: AsyncSession, rt: Runtime, *, email: str, client: ClientInfo
) -> None:
    """Mail a reset code and link when the address is registered; silent otherwise.

    The request itself only counts its rate limits; looking the address up, issuing the code
    and mailing it run after commit in their own unit of work, so the answer takes the same
    time whether or not the address is registered."""
    address = _address(email)
    if address is None:
        return
    await rt.limiter.hit(rt.settings.rate_code_mail, "code-mail", codes.PASSWORD_RESET, address)
    if client.ip:
        await rt.limiter.hit(rt.settings.rate_login_ip, "reset-ip", client.ip)
    run_after_commit(session, lambda: _send_password_reset(rt, address, client))


async def _send_password_reset(rt: Runtime, address: str, client: ClientInfo) -> None:
    try:
        async with rt.db.unit_of_work() as session:
            user = await repository.get_user_by_email(session, address)
            if not lookup.is_live(user):
                return
            issued = await codes.issue(session, rt, user, codes.PASSWORD_RESET, with_link=True)
            link = _link(rt, "/reset", issued.link_token)
            send_after_commit(
                session,
                rt.mailer,
                address,
                "Reset your Parley password",
                f"Hello {user.username},\n\nSomeone asked to reset your Parley password.\n\n"
                f"Code: {issued.code}\nLink: {link}\n\nBoth are valid for "
                f"{rt.settings.code_ttl_seconds // 60} minutes. If you did not ask, ignore "
                "this mail.\n",
            )
            await audit.record(session, "password.reset_requested", user_id=user.id, client=client)
    except Exception:
        log.exception("password reset request failed")


async def reset_password(
    session: AsyncSession,
    rt: Runtime,
    *,
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
        await rt.limiter.hit(rt.settings.rate_code, "reset-confirm", address)
        user = await repository.get_user_by_email(session, address)
        found = await repo.latest_code(session, user.id, codes.PASSWORD_RESET) if user else None
        record = await codes.check(session, rt, found, code)
    user = await lookup.get_live_user(session, record.user_id)
    await service.set_password(session, rt, user, new_password)
    if user.email and user.email_verified_at is None:
        user.email_verified_at = utc_now()  # the mailbox just proved itself
    await audit.record(session, "password.reset_by_mail", user_id=user.id, client=client)


def _address(email: str) -> str | None:
    try:
        return clean_email(email)
    except InvalidEmail:
        return None


def _link(rt: Runtime, path: str, token: str | None) -> str:
    """A mailed link: a web client route that posts the token to the API."""
    return f"{rt.settings.public_url.rstrip('/')}{path}?token={token}"
