"""The second factor on a mailed sign-in approval, for contracts whose login has no second
step: the approval page asks for the TOTP or a recovery code before it approves."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit
from parley.identity.devices import repository as codes_repo
from parley.identity.twofactor import totp
from parley.identity.twofactor.errors import ChallengeExpired, WrongSecondFactor
from parley.infra.ratelimit import RateLimiter
from parley.models import OneTimeCode
from parley.settings import Settings


async def confirm_on_link(
    session: AsyncSession, link: OneTimeCode, code: str, *, settings: Settings, limiter: RateLimiter
) -> None:
    """Check the code entered on the approval page of `link`. Tries are counted atomically
    on the link (`code_max_attempts`, then it is dead) and rate limited per account."""
    await limiter.hit(settings.rate_second_factor, "second-factor", str(link.user_id))
    max_attempts = settings.code_max_attempts
    if not await codes_repo.count_attempt(session, link.id, max_attempts):
        raise ChallengeExpired("Too many wrong codes; sign in again for a new link")
    if await totp.spend_second_factor(session, link.user_id, code, settings=settings) is None:
        await audit.record(session, "login.second_factor_failed", user_id=link.user_id)
        tries_left = max(0, max_attempts - link.attempts - 1)
        if tries_left == 0:
            raise ChallengeExpired("Too many wrong codes; sign in again for a new link")
        raise WrongSecondFactor(tries_left=tries_left)
