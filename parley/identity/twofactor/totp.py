"""TOTP enrolment and checks, and the recovery codes that stand in for the app.

The secret is sealed with the server secret at rest (it must be read back to check codes).
A code is accepted for the current 30-second step or one step either side (clock drift),
and each step only once: the newest step used is stored and only later ones pass."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import anyio.to_thread
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid
from parley.identity.accounts import audit
from parley.identity.accounts.errors import InvalidCredentials
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions.sealing import decrypt, encrypt, keyed_hash, server_secret
from parley.identity.twofactor import repository as repo
from parley.identity.twofactor.errors import (
    TotpAlreadyEnabled,
    TotpNotEnabled,
    TotpNotStarted,
    WrongTotpCode,
)
from parley.infra.ratelimit import RateLimiter
from parley.kit import qr
from parley.kit.client import ClientInfo
from parley.kit.secrets import same
from parley.kit.time import clock, utc_now
from parley.models import TotpCredential, User
from parley.settings import Settings

_PURPOSE = "totp"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_png: bytes


@dataclass(frozen=True)
class TwoFactorStatus:
    totp: bool
    passkeys: int
    recovery_codes_left: int


def _key(*, settings: Settings) -> bytes:
    return server_secret(settings.keys_dir)


async def status(session: AsyncSession, user_id: int) -> TwoFactorStatus:
    return TwoFactorStatus(
        await repo.totp_enabled(session, user_id),
        await repo.passkey_count(session, user_id),
        await repo.recovery_codes_left(session, user_id),
    )


async def start_enrolment(
    session: AsyncSession, user: User, client: ClientInfo | None = None, *, settings: Settings
) -> Enrolment:
    """A new secret (replacing an unconfirmed one) with its otpauth URI and QR code; it counts
    once `confirm` sees a code from it."""
    if user.password_hash is None:
        raise Invalid("Set a password first: the second factor guards password sign-in")
    credential = await repo.get_totp(session, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise TotpAlreadyEnabled()
    secret = pyotp.random_base32()
    sealed = encrypt(_key(settings=settings), _PURPOSE, secret)
    if credential is None:
        await repo.add(session, TotpCredential(user_id=user.id, secret_sealed=sealed))
    else:
        credential.secret_sealed = sealed
        credential.created_at = utc_now()
        credential.last_step = 0
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user.email or user.username, issuer_name=settings.totp_issuer
    )
    await audit.record(session, "totp.enrolment_started", user_id=user.id, client=client)
    return Enrolment(secret, uri, await anyio.to_thread.run_sync(qr.png, uri))


async def confirm(
    session: AsyncSession,
    user: User,
    code: str,
    client: ClientInfo | None = None,
    *,
    settings: Settings,
    limiter: RateLimiter,
) -> list[str]:
    """Turn two-factor sign-in on with a first code; returns the recovery codes (shown once)."""
    await limiter.hit(settings.rate_second_factor, "second-factor", str(user.id))
    credential = await repo.get_totp(session, user.id)
    if credential is None:
        raise TotpNotStarted()
    if credential.confirmed_at is not None:
        raise TotpAlreadyEnabled()
    if not await _spend_totp(session, credential, code, settings=settings):
        raise WrongTotpCode()
    credential.confirmed_at = utc_now()
    await audit.record(session, "totp.enabled", user_id=user.id, client=client)
    return await _new_recovery_codes(session, user.id, settings=settings)


async def disable(
    session: AsyncSession,
    user: User,
    password: str,
    client: ClientInfo | None = None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> None:
    await _check_password(
        session, user, password, client, settings=settings, limiter=limiter, passwords=passwords
    )
    if await repo.get_totp(session, user.id) is None:
        raise TotpNotEnabled()
    await repo.delete_totp(session, user.id)
    await forget_recovery_codes_if_unused(session, user.id)
    await audit.record(session, "totp.disabled", user_id=user.id, client=client)


async def reset(session: AsyncSession, user_id: int) -> None:
    """An administrator's reset: TOTP and the recovery codes go (passkeys are the passkeys
    service's)."""
    await repo.delete_totp(session, user_id)
    await repo.delete_recovery_codes(session, user_id)


async def regenerate_recovery_codes(
    session: AsyncSession,
    user: User,
    password: str,
    client: ClientInfo | None = None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> list[str]:
    """New recovery codes; the old ones stop working."""
    await _check_password(
        session, user, password, client, settings=settings, limiter=limiter, passwords=passwords
    )
    if not await has_second_factor(session, user.id):
        raise TotpNotEnabled("No second factor is set up")
    await audit.record(session, "recovery_codes.replaced", user_id=user.id, client=client)
    return await _new_recovery_codes(session, user.id, settings=settings)


async def has_second_factor(session: AsyncSession, user_id: int) -> bool:
    return await repo.totp_enabled(session, user_id) or bool(
        await repo.passkey_count(session, user_id)
    )


async def recovery_codes_for_first_factor(
    session: AsyncSession, user_id: int, *, settings: Settings
) -> list[str] | None:
    """New recovery codes when the account just got its first second factor (a passkey)."""
    if await repo.totp_enabled(session, user_id) or await repo.passkey_count(session, user_id) != 1:
        return None
    return await _new_recovery_codes(session, user_id, settings=settings)


async def forget_recovery_codes_if_unused(session: AsyncSession, user_id: int) -> None:
    """With the last second factor gone, recovery codes would be a password of their own."""
    if not await has_second_factor(session, user_id):
        await repo.delete_recovery_codes(session, user_id)


async def spend_second_factor(
    session: AsyncSession, user_id: int, code: str, *, settings: Settings
) -> str | None:
    """Use a TOTP code ("otp") or a recovery code ("recovery"); None when it is wrong or
    already used."""
    cleaned = code.strip().replace(" ", "").replace("-", "").lower()
    if cleaned.isdigit():
        credential = await repo.get_totp(session, user_id)
        if credential is None or credential.confirmed_at is None:
            return None
        return "otp" if await _spend_totp(session, credential, cleaned, settings=settings) else None
    digest = _recovery_hash(user_id, cleaned, settings=settings)
    if await repo.use_recovery_code(session, user_id, digest, utc_now()):
        return "recovery"
    return None


async def _spend_totp(
    session: AsyncSession, credential: TotpCredential, code: str, *, settings: Settings
) -> bool:
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(decrypt(_key(settings=settings), _PURPOSE, credential.secret_sealed))
    current = int(clock.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if same(totp.generate_otp(step), code):
            return await repo.use_step(session, credential.id, step)
    return False


def _recovery_hash(user_id: int, code: str, *, settings: Settings) -> str:
    return keyed_hash(_key(settings=settings), "recovery", str(user_id), code)


async def _new_recovery_codes(
    session: AsyncSession, user_id: int, *, settings: Settings
) -> list[str]:
    plain = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(settings.recovery_code_count)
    ]
    hashes = [_recovery_hash(user_id, code, settings=settings) for code in plain]
    await repo.replace_recovery_codes(session, user_id, hashes, utc_now())
    return [f"{code[:5]}-{code[5:]}" for code in plain]


async def _check_password(
    session: AsyncSession,
    user: User,
    password: str,
    client: ClientInfo | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> None:
    await limiter.hit(settings.rate_login, "login-account", user.username_lower)
    if not await passwords.verify(user.password_hash, password):
        await audit.record(session, "totp.password_failed", user_id=user.id, client=client)
        raise InvalidCredentials("Wrong password")
