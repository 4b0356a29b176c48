"""The second step of a password sign-in: the hook every password sign-in calls."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit
from parley.identity.devices import codes
from parley.identity.passkeys import ceremony
from parley.identity.passkeys import repository as passkey_repo
from parley.identity.twofactor import repository as repo
from parley.identity.twofactor.errors import SecondFactorRequired, SecondFactorUnavailable
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.models import User
from parley.settings import Settings

LOGIN_SECOND_FACTOR = "login_2fa"


async def require_second_factor(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    surface: str,
    with_refresh: bool,
    can_ask: bool,
) -> None:
    """Call right after a correct password. Returns when the account has no second factor
    (TOTP or a passkey); otherwise raises SecondFactorRequired with a challenge to finish at
    `POST /v1/auth/login/2fa` (with passkey request options when the account has passkeys;
    `can_ask`: the contract's login has a second step), or SecondFactorUnavailable (a 401)
    for contracts whose login cannot carry one."""
    totp_on = await repo.totp_enabled(session, user.id)
    passkeys = await passkey_repo.list_for_user(session, user.id)
    if not totp_on and not passkeys:
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
    ttl = settings.second_factor_ttl_seconds
    issued = await codes.issue(
        session,
        user,
        LOGIN_SECOND_FACTOR,
        device_id=client.device_id,
        context={"surface": surface, "with_refresh": with_refresh},
        with_code=False,
        ttl_seconds=ttl,
        supersede=False,
        settings=settings,
        limiter=limiter,
    )
    methods = ["totp", "recovery_code"] if totp_on else ["recovery_code"]
    extra: dict[str, Any] = {}
    if passkeys:
        methods.append("passkey")
        options = await ceremony.request_options(
            session, ceremony.SECOND_FACTOR, user_id=user.id, allow=passkeys, settings=settings
        )
        extra["passkey"] = {"challenge_id": options.challenge_id, "options": options.options}
    await audit.record(session, "login.second_factor_required", user_id=user.id, client=client)
    raise SecondFactorRequired(
        challenge=issued.record.handle, methods=methods, expires_in=ttl, **extra
    )
