"""Access tokens: EdDSA JWTs bound to a session, verified once and then cached.

The hot path (`Authenticator.authenticate`) is two dictionary lookups for a token seen
before; the database is read only the first time a session is seen, or after
`session_cache_seconds`. Revocations arrive over the bus and take effect at once.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial

import jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley.errors import Unauthorized
from parley.identity.sessions import repository
from parley.identity.sessions.keys import KeyRing
from parley.kit.time import clock

ISSUER = "parley"
_MAX_CACHED_TOKENS = 100_000
_MAX_ID = 2**63 - 1  # ids are signed 64-bit integers in every database we run on
_ID = re.compile(r"[1-9][0-9]{0,18}")


def _id(claim: object) -> int:
    """`sub` and `sid` exactly as `issue` writes them: a decimal string of a positive 64-bit
    id. Anything else (numbers, signs, spaces, ids no column can hold) is refused here, so
    no surface ever reaches the database with it."""
    if not isinstance(claim, str) or not _ID.fullmatch(claim) or int(claim) > _MAX_ID:
        raise Unauthorized("Invalid token")
    return int(claim)


def _expiry(claim: object) -> float:
    if isinstance(claim, bool) or not isinstance(claim, int) or not 0 < claim <= _MAX_ID:
        raise Unauthorized("Invalid token")
    return float(claim)


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    session_id: int
    expires_at: float


def _key(principal: Principal) -> tuple[int, int]:
    return principal.session_id, principal.user_id


class TokenSigner:
    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    def issue(self, user_id: int, session_id: int, ttl_seconds: int) -> tuple[str, float]:
        key = self.keyring.current()
        now = int(clock.timestamp())
        exp = now + ttl_seconds
        claims = {
            "iss": ISSUER,
            "sub": str(user_id),
            "sid": str(session_id),
            "iat": now,
            "exp": exp,
        }
        token = jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.kid})
        return token, float(exp)

    def decode(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keyring.get(str(header.get("kid", "")))
            if key is None:
                raise Unauthorized("Unknown signing key")
            claims = jwt.decode(
                token,
                key.public,
                algorithms=["EdDSA"],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "sid"], "verify_exp": False},
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise Unauthorized("Invalid token") from exc
        principal = Principal(_id(claims["sub"]), _id(claims["sid"]), _expiry(claims["exp"]))
        if principal.expires_at <= clock.timestamp():
            raise Unauthorized("Token expired")
        return principal


class Authenticator:
    def __init__(
        self,
        signer: TokenSigner,
        sessionmaker: async_sessionmaker[AsyncSession],
        session_cache_seconds: int,
    ) -> None:
        self.signer = signer
        self.sessionmaker = sessionmaker
        self.session_cache_seconds = session_cache_seconds
        self._tokens: OrderedDict[str, Principal] = OrderedDict()
        # keyed by (session, user): a session vouches only for the user it belongs to
        self._live_sessions: dict[tuple[int, int], float] = {}
        self._revoked: dict[int, float] = {}
        self._checks: dict[tuple[int, int], asyncio.Future[None]] = {}

    async def authenticate(self, token: str) -> Principal:
        principal = self._tokens.get(token)
        if principal is None:
            principal = self.signer.decode(token)
            self._remember(token, principal)
        elif principal.expires_at <= clock.timestamp():
            raise Unauthorized("Token expired")
        if principal.session_id in self._revoked:
            raise Unauthorized("Session revoked")
        if self._live_sessions.get(_key(principal), 0.0) < time.monotonic():
            await self._checked(principal)
        return principal

    async def _checked(self, principal: Principal) -> None:
        """One database read per session however many requests need it at once: when the
        cached answer lapses under load, every in-flight request would otherwise read it."""
        key = _key(principal)
        check = self._checks.get(key)
        if check is None:
            check = self._checks[key] = asyncio.ensure_future(self._check_session(principal))
            check.add_done_callback(partial(self._check_done, key))
        await asyncio.shield(check)

    def _check_done(self, key: tuple[int, int], check: asyncio.Future[None]) -> None:
        self._checks.pop(key, None)
        if not check.cancelled():
            check.exception()  # retrieved here too, in case every waiter gave up

    def recheck_sessions(self) -> None:
        """Read every session from the database again before trusting it (a revocation
        announced while this instance was not listening would otherwise go unnoticed for up
        to `session_cache_seconds`)."""
        self._live_sessions.clear()

    def forget_session(self, session_id: int) -> None:
        """Called for `session.revoked` events from any instance."""
        for key in [k for k in self._live_sessions if k[0] == session_id]:
            del self._live_sessions[key]
        self._revoked[session_id] = time.monotonic() + 24 * 3600
        if len(self._revoked) > _MAX_CACHED_TOKENS:
            now = time.monotonic()
            self._revoked = {k: v for k, v in self._revoked.items() if v > now}

    async def _check_session(self, principal: Principal) -> None:
        async with self.sessionmaker() as session:
            owner = await repository.live_session_owner(session, principal.session_id, clock.now())
        if owner is None:
            self.forget_session(principal.session_id)
            raise Unauthorized("Session revoked")
        if owner != principal.user_id:
            # a forged token naming someone else: refused, and the owner's session lives on
            raise Unauthorized("Invalid token")
        self._live_sessions[_key(principal)] = time.monotonic() + self.session_cache_seconds

    def _remember(self, token: str, principal: Principal) -> None:
        self._tokens[token] = principal
        if len(self._tokens) > _MAX_CACHED_TOKENS:
            self._tokens.popitem(last=False)
