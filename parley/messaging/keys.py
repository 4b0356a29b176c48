"""E2E key material: a user's public key, their private key encrypted by the client under a
PIN, and the PIN verifier.

The verifier is argon2id over HMAC-SHA256(pepper, PIN). The pepper lives outside the
database (PARLEY_PIN_PEPPER, or a file in the data directory), so a stolen database alone
cannot be brute-forced offline. Every PIN attempt is counted before it is checked, with one
atomic UPDATE, so concurrent guesses cannot exceed the limit; a correct PIN resets the
count; after MAX_PIN_ATTEMPTS wrong PINs in a row the key stays locked until
`parley users unlock-key`."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid, NotFound
from parley.identity.accounts import lookup as accounts
from parley.identity.accounts.errors import InvalidCredentials
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions import repository as users
from parley.infra.ratelimit import RateLimiter
from parley.kit.files import private_dir
from parley.kit.time import utc_now
from parley.messaging import repository
from parley.messaging.errors import KeyExists, KeyLocked, KeyMissing, WrongPin
from parley.models import UserKey
from parley.settings import Settings

MAX_PIN_ATTEMPTS = 10
MAX_KEY_CHARS = 16 * 1024
PIN_LENGTH = (4, 64)

_peppers: dict[Path, bytes] = {}


@dataclass(frozen=True)
class KeyState:
    public_key: str
    encrypted_private_key: str
    tries_left: int
    locked: bool
    updated_at: datetime


def key_state(key: UserKey) -> KeyState:
    left = max(0, MAX_PIN_ATTEMPTS - key.failed_attempts)
    return KeyState(
        public_key=key.public_key,
        encrypted_private_key=key.encrypted_private_key,
        tries_left=left,
        locked=left == 0 or key.locked_at is not None,
        updated_at=key.updated_at,
    )


def pepper(settings: Settings) -> bytes:
    """The PIN pepper: the setting when given, else `pin_pepper` in the data dir (created
    once, mode 0600). Instances sharing a database must share the pepper."""
    configured = settings.pin_pepper.get_secret_value()
    if configured:
        return configured.encode()
    path = settings.data_dir / "pin_pepper"
    if path not in _peppers:
        private_dir(path.parent)
        if not path.exists():
            # Write a complete file aside, then link it into place: exactly one process
            # wins and nobody ever reads a half-written pepper.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pin_pepper.")
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
            os.unlink(tmp)
        value = path.read_text().strip()
        if not value:
            raise RuntimeError(f"{path} is empty")
        _peppers[path] = value.encode()
    return _peppers[path]


def _peppered(settings: Settings, pin: str) -> str:
    return hmac.new(pepper(settings), pin.encode(), hashlib.sha256).hexdigest()


def _check_pin(pin: str) -> str:
    if not PIN_LENGTH[0] <= len(pin) <= PIN_LENGTH[1]:
        raise Invalid(f"PINs are {PIN_LENGTH[0]}-{PIN_LENGTH[1]} characters")
    return pin


def _check_material(value: str, what: str) -> str:
    if not value.strip() or len(value) > MAX_KEY_CHARS or "\x00" in value:
        raise Invalid(f"{what} must be 1-{MAX_KEY_CHARS} characters")
    return value


async def _key(session: AsyncSession, user_id: int) -> UserKey:
    key = await repository.get_key(session, user_id)
    if key is None:
        raise KeyMissing()
    return key


async def get_key(session: AsyncSession, user_id: int) -> KeyState:
    return key_state(await _key(session, user_id))


async def public_key(session: AsyncSession, user_id: int) -> str:
    await accounts.get_live_user(session, user_id)
    return (await _key(session, user_id)).public_key


async def public_keys(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    """Public keys of the given users, in one query; users without key material are absent."""
    return await repository.public_keys(session, list(dict.fromkeys(user_ids)))


async def set_keys(
    session: AsyncSession,
    user_id: int,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
    public_key: str,
    encrypted_private_key: str,
    pin: str,
    password: str | None = None,
) -> KeyState:
    """Store (first time) or replace the key material. Replacing needs the account password
    when the account has one; only a correct password resets the PIN failure count."""
    _check_material(public_key, "public_key")
    _check_material(encrypted_private_key, "encrypted_private_key")
    verifier = await passwords.hash(_peppered(settings, _check_pin(pin)))
    key = await repository.get_key(session, user_id)
    if key is None:
        key = UserKey(
            user_id=user_id,
            public_key=public_key,
            encrypted_private_key=encrypted_private_key,
            pin_verifier=verifier,
            failed_attempts=0,
            updated_at=utc_now(),
        )
        await repository.add(session, key)
        return key_state(key)
    user = await users.get_user(session, user_id)
    if user is None:
        raise NotFound("No such user")
    if user.password_hash is not None:
        if password is None:
            raise KeyExists()
        await limiter.hit(settings.rate_login, "login-user", str(user.id))
        if not await passwords.verify(user.password_hash, password):
            raise InvalidCredentials("Wrong password")
        key.failed_attempts = 0
        key.locked_at = None
    key.public_key = public_key
    key.encrypted_private_key = encrypted_private_key
    key.pin_verifier = verifier
    key.updated_at = utc_now()
    await session.flush()
    return key_state(key)


async def unlock_private_key(
    session: AsyncSession,
    user_id: int,
    pin: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> KeyState:
    """Check the PIN and hand back the stored key material (the private key still encrypted).

    Raises WrongPin (with `tries_left`) or KeyLocked; both keep the attempt counted."""
    await limiter.hit(settings.rate_pin, "pin", str(user_id))
    count = await repository.reserve_pin_attempt(session, user_id, MAX_PIN_ATTEMPTS)
    if count is None:
        await _key(session, user_id)  # KeyMissing when there is no key at all
        raise KeyLocked(tries_left=0)
    key = await _key(session, user_id)
    await session.refresh(key)
    ok = await passwords.verify(key.pin_verifier, _peppered(settings, pin))
    if ok:
        await repository.set_pin_state(session, user_id, failed_attempts=0, locked_at=None)
        await session.refresh(key)
        return key_state(key)
    left = MAX_PIN_ATTEMPTS - count
    if left <= 0:
        await repository.lock_key(session, user_id, utc_now())
        raise KeyLocked(tries_left=0)
    raise WrongPin(tries_left=left)


async def unlock_key(session: AsyncSession, user_id: int) -> None:
    """Administrative: clear the PIN failure count and the lock."""
    await _key(session, user_id)
    await repository.set_pin_state(session, user_id, failed_attempts=0, locked_at=None)
