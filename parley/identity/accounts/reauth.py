"""Re-authentication before an account change a stolen access token must not make.

An account with a password proves itself with `current_password` (counted against the
per-account sign-in limit, like a login). An account without one (signed up through a
provider) needs a session opened within `reauth_max_age_seconds`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit
from parley.identity.accounts.errors import ReauthenticationRequired, WrongCurrentPassword
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions import repository
from parley.identity.sessions.tokens import Principal
from parley.infra.ratelimit import RateLimiter
from parley.kit.time import utc_now
from parley.models import User
from parley.settings import Settings


async def confirm_identity(
    session: AsyncSession,
    principal: Principal,
    user: User,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> None:
    """Raise ReauthenticationRequired or WrongCurrentPassword unless the caller re-proved
    who they are."""
    if user.password_hash is not None:
        if not current_password:
            raise ReauthenticationRequired()
        await limiter.hit(settings.rate_login, "login-user", str(user.id))
        if not await passwords.verify(user.password_hash, current_password):
            await audit.record(
                session, "reauth.failed", user_id=user.id, session_id=principal.session_id
            )
            raise WrongCurrentPassword()
        return
    record = await repository.get_session(session, principal.session_id)
    max_age = timedelta(seconds=settings.reauth_max_age_seconds)
    if record is None or utc_now() - record.created_at > max_age:
        raise ReauthenticationRequired()
