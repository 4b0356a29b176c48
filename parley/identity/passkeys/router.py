"""Native passkey routes: /v1/auth/passkeys/…"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter

from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.identity.accounts.deps import CurrentPrincipal, CurrentUser, PasswordsDep
from parley.identity.passkeys import service
from parley.identity.passkeys.schemas import (
    PasskeyAdded,
    PasskeyOptions,
    PasskeyRead,
    PasskeyRegistration,
    PasskeyRemoval,
    PasskeyRename,
    PasskeySignIn,
)
from parley.identity.sessions.deps import SignerDep
from parley.identity.sessions.router import token_pair
from parley.identity.sessions.schemas import TokenPair
from parley.kit.ids import PathId
from parley.kit.openapi import responses

router = APIRouter(tags=["auth"])


@router.get("/auth/passkeys", response_model=list[PasskeyRead], responses=responses(401))
async def list_passkeys(user: CurrentUser, session: Session) -> list[PasskeyRead]:
    """The caller's passkeys."""
    return [
        PasskeyRead.model_validate(key) for key in await service.list_passkeys(session, user.id)
    ]


@router.post(
    "/auth/passkeys/registration/options", response_model=PasskeyOptions, responses=responses(401)
)
async def passkey_registration_options(
    user: CurrentUser, session: Session, settings: SettingsDep
) -> PasskeyOptions:
    """Options for `navigator.credentials.create()` to add a passkey."""
    options = await service.registration_options(session, user, settings=settings)
    return PasskeyOptions(challenge_id=options.challenge_id, options=options.options)


@router.post(
    "/auth/passkeys/registration",
    status_code=201,
    response_model=PasskeyAdded,
    response_model_exclude_none=True,
    responses=responses(400, 401, 409),
)
async def register_passkey(
    body: PasskeyRegistration,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    client: Client,
) -> PasskeyAdded:
    """Add a passkey: the authenticator's answer to the registration options. It is also a
    second factor for password sign-in from now on."""
    added = await service.register(
        session,
        user,
        challenge_id=body.challenge_id,
        credential=body.credential,
        name=body.name,
        client=client,
        settings=settings,
    )
    return PasskeyAdded.model_validate(added.passkey).model_copy(
        update={"recovery_codes": added.recovery_codes}
    )


@router.patch(
    "/auth/passkeys/{passkey_id}", response_model=PasskeyRead, responses=responses(401, 404)
)
async def rename_passkey(
    passkey_id: PathId, body: PasskeyRename, user: CurrentUser, session: Session
) -> PasskeyRead:
    """Rename one of the caller's passkeys."""
    return PasskeyRead.model_validate(
        await service.rename_passkey(session, user.id, passkey_id, body.name)
    )


@router.delete(
    "/auth/passkeys/{passkey_id}", status_code=204, responses=responses(401, 403, 404, 429)
)
async def delete_passkey(
    passkey_id: PathId,
    principal: CurrentPrincipal,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    client: Client,
    body: PasskeyRemoval | None = None,
) -> None:
    """Remove one of the caller's passkeys (`current_password` required, as for turning TOTP
    off)."""
    await service.delete_own_passkey(
        session,
        principal,
        user,
        passkey_id,
        current_password=body.current_password if body else None,
        client=client,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )


@router.post("/auth/passkeys/sign-in/options", response_model=PasskeyOptions)
async def passkey_sign_in_options(session: Session, settings: SettingsDep) -> PasskeyOptions:
    """Options for `navigator.credentials.get()` to sign in without a password."""
    options = await service.sign_in_options(session, settings=settings)
    return PasskeyOptions(challenge_id=options.challenge_id, options=options.options)


@router.post("/auth/passkeys/sign-in", response_model=TokenPair, responses=responses(400, 401, 429))
async def sign_in_with_passkey(
    body: PasskeySignIn,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    signer: SignerDep,
    client: Client,
) -> TokenPair:
    """Sign in with a passkey (user verification required): opens a session."""
    issued = await service.sign_in(
        session,
        challenge_id=body.challenge_id,
        credential=body.credential,
        client=replace(client, device_id=body.device_id),
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
    return token_pair(issued)
