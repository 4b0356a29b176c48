"""DiscordApi functions 5, 14-16: email + password login with the new-device code, and the
HTTP half of the QR login (sealed user data for the phone, the desktop's ticket exchange)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query

from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.dialects.discordapi.deps import DiscordPrincipal
from parley.dialects.discordapi.errors import render
from parley.dialects.discordapi.schemas import (
    NO_NUL,
    ConfirmBody,
    Detail,
    LoginBody,
    SealedToken,
    Token,
    errors,
)
from parley.dialects.kit import dialect_router
from parley.errors import Unauthorized
from parley.identity.accounts.deps import PasswordsDep
from parley.identity.devices import login as device_login
from parley.identity.devices.errors import DeviceVerificationRequired
from parley.identity.qr import discordapi as qr
from parley.identity.sessions.deps import SignerDep
from parley.kit.bearer import extract_token

router = dialect_router(render, tag="dialect: DiscordApi")

_errors = errors(400, 404, 429)


@router.post("/auth/login/", response_model=Token | Detail, responses=_errors)
async def login(
    body: LoginBody,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    signer: SignerDep,
    client: Client,
) -> Token | Detail:
    """6. A known `client_fingerprint` gets the token; an unknown one gets a mailed code."""
    try:
        issued = await device_login.login_by_email(
            session,
            body.email,
            body.password,
            body.client_fingerprint,
            client,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            passwords=passwords,
            signer=signer,
        )
    except DeviceVerificationRequired as challenge:  # the seed answers it 200 (code row kept)
        return Detail(detail=f"Confirmation code send to: {challenge.extra['sent_to']}")
    return Token(token=issued.access_token)


@router.post("/auth/confirm_device_and_login/", response_model=Token, responses=_errors)
async def confirm_device_and_login(
    body: ConfirmBody,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    signer: SignerDep,
    client: Client,
) -> Token:
    """16. The mailed code: the token, and the device is remembered."""
    issued = await device_login.confirm_device_and_login(
        session,
        body.email,
        body.password,
        body.confirmation_code,
        client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
        signer=signer,
    )
    return Token(token=issued.access_token)


@router.get(
    "/auth/encrypt_user_data/", response_model=SealedToken, responses={401: {"model": Detail}}
)
async def encrypt_user_data(principal: DiscordPrincipal, settings: SettingsDep) -> SealedToken:
    """15. For the phone: a sealed token (2 minutes) to send as `pending_ticket`."""
    return SealedToken(token=qr.encrypt_user_data(principal, settings=settings))


@router.get(
    "/auth/qr_auth/",
    response_model=Token,
    responses={401: {"model": Detail}, 403: {"model": Detail}, 404: {"model": Detail}},
)
async def qr_auth(
    client_id: Annotated[str, Query(min_length=1, max_length=128, pattern=NO_NUL)],
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    signer: SignerDep,
    client: Client,
    authorization: Annotated[str | None, Header()] = None,
    authorization_param: Annotated[str | None, Query(alias="Authorization")] = None,
) -> Token:
    """14. The desktop trades the one-use `user_payload` (in `Authorization`, header or query
    parameter) for its token; 404 unknown/used/expired, 403 another client_id's."""
    ticket = extract_token(authorization) or extract_token(authorization_param)
    if not ticket:
        raise Unauthorized("The ticket from the QR login is missing")
    issued = await qr.exchange_user_payload(
        session,
        client_id=client_id,
        user_payload=ticket,
        client=client,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
    return Token(token=issued.access_token)
