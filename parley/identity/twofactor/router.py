"""Native two-factor routes: /v1/auth/2fa/… and the second step of /v1/auth/login."""

from __future__ import annotations

import base64
from dataclasses import replace

from fastapi import APIRouter

from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.identity.accounts.deps import CurrentUser, PasswordsDep
from parley.identity.sessions.deps import SignerDep
from parley.identity.sessions.router import token_pair
from parley.identity.sessions.schemas import TokenPair
from parley.identity.twofactor import login, totp
from parley.identity.twofactor.login import PasskeyAnswer
from parley.identity.twofactor.schemas import (
    PasswordCheck,
    RecoveryCodes,
    SecondFactorLogin,
    TotpCode,
    TotpEnrolment,
    TwoFactorStatusRead,
)
from parley.kit.openapi import responses

router = APIRouter(tags=["auth"])


@router.post("/auth/login/2fa", response_model=TokenPair, responses=responses(401, 403, 429))
async def login_second_factor(
    body: SecondFactorLogin,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    signer: SignerDep,
    client: Client,
) -> TokenPair:
    """Finish a sign-in that answered 401 `second_factor_required`, with a TOTP code, a
    recovery code or a passkey; opens the session."""
    issued = await login.finish_sign_in(
        session,
        challenge=body.challenge,
        code=body.code,
        passkey=PasskeyAnswer(body.passkey.challenge_id, body.passkey.credential)
        if body.passkey
        else None,
        client=replace(client, device_id=body.device_id),
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
    return token_pair(issued)


@router.get("/auth/2fa", response_model=TwoFactorStatusRead, responses=responses(401))
async def read_two_factor(user: CurrentUser, session: Session) -> TwoFactorStatusRead:
    """Whether TOTP is on, how many passkeys there are and how many recovery codes are left."""
    state = await totp.status(session, user.id)
    return TwoFactorStatusRead(
        totp=state.totp, passkeys=state.passkeys, recovery_codes_left=state.recovery_codes_left
    )


@router.post(
    "/auth/2fa/totp",
    status_code=201,
    response_model=TotpEnrolment,
    responses=responses(400, 401, 409),
)
async def start_totp(
    user: CurrentUser, session: Session, settings: SettingsDep, client: Client
) -> TotpEnrolment:
    """Start TOTP enrolment: a new secret, its otpauth URI and QR code. It counts once
    confirmed with a code."""
    enrolment = await totp.start_enrolment(session, user, client, settings=settings)
    png = base64.b64encode(enrolment.qr_png).decode()
    return TotpEnrolment(
        secret=enrolment.secret,
        otpauth_uri=enrolment.otpauth_uri,
        qr_png=f"data:image/png;base64,{png}",
    )


@router.post(
    "/auth/2fa/totp/confirm",
    response_model=RecoveryCodes,
    responses=responses(400, 401, 404, 409, 429),
)
async def confirm_totp(
    body: TotpCode,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    client: Client,
) -> RecoveryCodes:
    """Turn TOTP on with a code from the app; answers the recovery codes (shown once)."""
    return RecoveryCodes(
        recovery_codes=await totp.confirm(
            session, user, body.code, client, settings=settings, limiter=limiter
        )
    )


@router.post("/auth/2fa/totp/disable", status_code=204, responses=responses(400, 401, 404, 429))
async def disable_totp(
    body: PasswordCheck,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    client: Client,
) -> None:
    """Turn two-factor sign-in off (password required); the recovery codes go too."""
    await totp.disable(
        session,
        user,
        body.password,
        client,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )


@router.post(
    "/auth/2fa/recovery-codes",
    response_model=RecoveryCodes,
    responses=responses(400, 401, 404, 429),
)
async def replace_recovery_codes(
    body: PasswordCheck,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    client: Client,
) -> RecoveryCodes:
    """New recovery codes (password required); the old ones stop working."""
    codes = await totp.regenerate_recovery_codes(
        session,
        user,
        body.password,
        client,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return RecoveryCodes(recovery_codes=codes)
