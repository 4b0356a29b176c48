"""Finishing a sign-in that asked for the second factor."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit, lookup
from parley.identity.devices import repository as codes_repo
from parley.identity.devices import service as devices
from parley.identity.devices.errors import WrongDevice
from parley.identity.passkeys import ceremony
from parley.identity.passkeys.errors import PasskeyChallengeExpired, PasskeySignInFailed
from parley.identity.sessions import service as sessions
from parley.identity.sessions.service import IssuedTokens
from parley.identity.sessions.tokens import TokenSigner
from parley.identity.twofactor import totp
from parley.identity.twofactor.challenge import LOGIN_SECOND_FACTOR
from parley.identity.twofactor.errors import ChallengeExpired, WrongSecondFactor
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit import metrics
from parley.kit.client import ClientInfo
from parley.kit.time import utc_now
from parley.models import User
from parley.settings import Settings

AMR = {"otp": "pwd otp mfa", "recovery": "pwd mfa", "passkey": "pwd hwk mfa"}


@dataclass(frozen=True)
class PasskeyAnswer:
    challenge_id: str
    credential: dict[str, Any]


async def finish_sign_in(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    challenge: str,
    code: str | None = None,
    passkey: PasskeyAnswer | None = None,
    client: ClientInfo,
) -> IssuedTokens:
    """Check a TOTP or recovery code, or a passkey's answer to the challenge's passkey
    options, against a sign-in's challenge and open the session.

    Tries are counted atomically per challenge (`code_max_attempts`) and rate limited per
    account (`rate_second_factor`)."""
    with metrics.sign_in_attempt("native"):
        record = await codes_repo.get_code_by_handle(session, challenge)
        now = utc_now()
        if (
            record is None
            or record.purpose != LOGIN_SECOND_FACTOR
            or record.used_at is not None
            or record.expires_at <= now
        ):
            raise ChallengeExpired()
        if client.device_id and client.device_id != record.device_id:
            raise WrongDevice()
        await limiter.hit(settings.rate_second_factor, "second-factor", str(record.user_id))
        max_attempts = settings.code_max_attempts
        if not await codes_repo.count_attempt(session, record.id, max_attempts):
            raise ChallengeExpired()
        method = await _spend(session, record.user_id, code, passkey, client, settings=settings)
        if method is None:
            await audit.record(
                session, "login.second_factor_failed", user_id=record.user_id, client=client
            )
            tries_left = max(0, max_attempts - record.attempts - 1)
            if tries_left == 0:
                raise ChallengeExpired("Too many wrong codes; sign in again")
            raise WrongSecondFactor(tries_left=tries_left)
        if not await codes_repo.consume_code(session, record.id, now):
            raise ChallengeExpired()
        return await proven_sign_in(
            session,
            await lookup.get_live_user(session, record.user_id),
            replace(client, device_id=record.device_id),
            surface=str(record.context.get("surface", "native")),
            with_refresh=bool(record.context.get("with_refresh", True)),
            amr=AMR[method],
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            signer=signer,
        )


async def _spend(
    session: AsyncSession,
    user_id: int,
    code: str | None,
    passkey: PasskeyAnswer | None,
    client: ClientInfo,
    *,
    settings: Settings,
) -> str | None:
    if passkey is None:
        return await totp.spend_second_factor(session, user_id, code or "", settings=settings)
    try:
        await ceremony.verify_assertion(
            session,
            challenge_id=passkey.challenge_id,
            purpose=ceremony.SECOND_FACTOR,
            credential=passkey.credential,
            user_id=user_id,
            client=client,
            settings=settings,
        )
    except (PasskeyChallengeExpired, PasskeySignInFailed):
        return None
    return "passkey"


async def proven_sign_in(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    surface: str,
    with_refresh: bool,
    amr: str,
) -> IssuedTokens:
    """Open the session of a sign-in that proved more than a password (second factor,
    passkey). That proves the device as a mailed device code would: it is remembered, and a
    new one gets the new-sign-in notice."""
    if settings.device_verification and client.device_id:
        _device, added = await devices.remember(session, user.id, client)
        if added:
            await devices.notify_new_device(
                session, user, client, settings=settings, limiter=limiter, mailer=mailer
            )
    return await sessions.start_session(
        session,
        user,
        client,
        surface=surface,
        with_refresh=with_refresh,
        amr=amr,
        settings=settings,
        signer=signer,
    )
