"""The second step of a password sign-in: the hook every password sign-in calls."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity import audit, codes
from parley.identity.twofactor import repository as repo
from parley.identity.twofactor.errors import SecondFactorRequired, SecondFactorUnavailable
from parley.kit.client import ClientInfo
from parley.models import User
from parley.runtime import Runtime

LOGIN_SECOND_FACTOR = "login_2fa"
METHODS = ("totp", "recovery_code")


async def require_second_factor(
    session: AsyncSession,
    rt: Runtime,
    user: User,
    client: ClientInfo,
    *,
    surface: str,
    with_refresh: bool,
    can_ask: bool,
) -> None:
    """Call right after a correct password. Returns when the account has no second factor;
    otherwise raises SecondFactorRequired with a challenge to finish at
    `POST /v1/auth/login/2fa` (`can_ask`: the contract's login has a second step), or
    SecondFactorUnavailable (a 401) for contracts whose login cannot carry one."""
    if not await repo.totp_enabled(session, user.id):
        return
    if not can_ask:
        await audit.record(
            session,
            "login.second_factor_unavailable",
            user_id=user.id,
            client=client,
            surface=surface,
        )
        raise SecondFactorUnavailable()
    ttl = rt.settings.second_factor_ttl_seconds
    issued = await codes.issue(
        session,
        rt,
        user,
        LOGIN_SECOND_FACTOR,
        device_id=client.device_id,
        context={"surface": surface, "with_refresh": with_refresh},
        with_code=False,
        ttl_seconds=ttl,
        supersede=False,
    )
    await audit.record(session, "login.second_factor_required", user_id=user.id, client=client)
    raise SecondFactorRequired(
        challenge=issued.record.handle, methods=list(METHODS), expires_in=ttl
    )
