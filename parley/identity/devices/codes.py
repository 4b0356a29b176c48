"""One-time codes: 6-digit codes and link tokens, mailed, stored hashed, bound to a purpose.

A code belongs to one user, one purpose and (for device checks) one device. It lives
`code_ttl_seconds`, allows `code_max_attempts` tries counted atomically, and a newer code for
the same purpose supersedes older ones. Link tokens are 256-bit and single use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.devices import repository as repo
from parley.identity.devices.errors import CodeExpired, InvalidLink, WrongCode
from parley.identity.sessions.sealing import keyed_hash, server_secret
from parley.infra.ratelimit import RateLimiter
from parley.kit.secrets import new_token, numeric_code, same, token_hash
from parley.kit.time import utc_now
from parley.models import OneTimeCode, User
from parley.settings import Settings

LOGIN_DEVICE = "login_device"
QR_DEVICE = "qr_device"
VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name
NOT_ME = "not_me"
LOGIN_APPROVAL = "login_approval"  # the mailed link
LOGIN_APPROVED = "login_approved"  # the link was opened: one sign-in may pass


@dataclass(frozen=True)
class IssuedCode:
    record: OneTimeCode
    code: str | None
    link_token: str | None


def _hash(handle: str, code: str, *, settings: Settings) -> str:
    return keyed_hash(server_secret(settings.keys_dir), handle, code)


async def issue(
    session: AsyncSession,
    user: User,
    purpose: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    device_id: str | None = None,
    context: dict[str, Any] | None = None,
    with_code: bool = True,
    with_link: bool = False,
    ttl_seconds: int | None = None,
    rate_key: str | None = None,
    supersede: bool = True,
) -> IssuedCode:
    """Create a code (and/or link token). `rate_key` counts against `rate_code_mail`."""
    if rate_key is not None:
        await limiter.hit(settings.rate_code_mail, "code-mail", purpose, rate_key)
    now = utc_now()
    if supersede:
        await repo.supersede_codes(session, user.id, purpose, now)
    handle = new_token(18)
    code = numeric_code(6) if with_code else None
    link = new_token(32) if with_link else None
    record = OneTimeCode(
        user_id=user.id,
        purpose=purpose,
        device_id=device_id,
        handle=handle,
        code_hash=_hash(handle, code, settings=settings) if code else None,
        link_hash=token_hash(link) if link else None,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds or settings.code_ttl_seconds),
        attempts=0,
        context=context or {},
    )
    await repo.add(session, record)
    return IssuedCode(record, code, link)


async def check(
    session: AsyncSession, record: OneTimeCode | None, code: str, *, settings: Settings
) -> OneTimeCode:
    """Spend one try on `record`; consume it when `code` is right.

    Raises CodeExpired (expired, spent, out of tries, missing) or WrongCode (with
    `tries_left`); both commit, so failed tries stay counted.
    """
    now = utc_now()
    if record is None or record.code_hash is None or record.expires_at <= now:
        raise CodeExpired()
    max_attempts = settings.code_max_attempts
    if not await repo.count_attempt(session, record.id, max_attempts):
        raise CodeExpired()
    if not same(record.code_hash, _hash(record.handle, code.strip(), settings=settings)):
        tries_left = max(0, max_attempts - record.attempts - 1)
        if tries_left == 0:
            raise CodeExpired("Too many wrong codes; request a new one")
        raise WrongCode(tries_left=tries_left)
    if not await repo.consume_code(session, record.id, now):
        raise CodeExpired()
    return record


async def live_link(session: AsyncSession, token: str, purposes: tuple[str, ...]) -> OneTimeCode:
    """The live link of one of `purposes`, not spent (InvalidLink otherwise)."""
    record = await repo.get_code_by_link(session, token_hash(token))
    if (
        record is None
        or record.purpose not in purposes
        or record.used_at is not None
        or record.expires_at <= utc_now()
    ):
        raise InvalidLink()
    return record


async def redeem_link(session: AsyncSession, token: str, purposes: tuple[str, ...]) -> OneTimeCode:
    """Consume a link token of one of `purposes`; single use."""
    record = await repo.get_code_by_link(session, token_hash(token))
    now = utc_now()
    if (
        record is None
        or record.purpose not in purposes
        or record.used_at is not None
        or record.expires_at <= now
        or not await repo.consume_code(session, record.id, now)
    ):
        raise InvalidLink()
    return record
