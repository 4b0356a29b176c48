"""Passkeys: registration (signed in), passwordless sign-in and removal, with py_webauthn.

Passwordless sign-in requires user verification (PIN or biometrics on the authenticator), so
a passkey counts as two factors. A registered passkey is also a second factor for password
sign-in (`parley.identity.twofactor`); the first second factor comes with recovery codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import base64url_to_bytes, generate_registration_options, verify_registration_response
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from parley.errors import NotFound
from parley.identity.accounts import audit, lookup, reauth
from parley.identity.accounts.passwords import Passwords
from parley.identity.passkeys import ceremony
from parley.identity.passkeys import repository as repo
from parley.identity.passkeys.errors import (
    PasskeyExists,
    PasskeyNotFound,
    PasskeyRejected,
    PasskeySignInFailed,
)
from parley.identity.sessions.service import IssuedTokens
from parley.identity.sessions.tokens import Principal, TokenSigner
from parley.identity.twofactor import totp
from parley.identity.twofactor.login import proven_sign_in
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.models import Passkey, User
from parley.settings import Settings


@dataclass(frozen=True)
class AddedPasskey:
    passkey: Passkey
    recovery_codes: list[str] | None
    """New recovery codes when this passkey is the account's first second factor."""


async def list_passkeys(session: AsyncSession, user_id: int) -> Sequence[Passkey]:
    return await repo.list_for_user(session, user_id)


async def rename_passkey(
    session: AsyncSession, user_id: int, passkey_id: int, name: str
) -> Passkey:
    passkey = await repo.get_for_user(session, user_id, passkey_id)
    if passkey is None:
        raise PasskeyNotFound()
    passkey.name = name
    await session.flush()
    return passkey


async def delete_passkey(
    session: AsyncSession, user_id: int, passkey_id: int, client: ClientInfo | None = None
) -> None:
    """Remove one of the user's passkeys (with the last second factor, the recovery codes go).
    The caller has re-authenticated: the owner (`delete_own_passkey`) or an admin."""
    if not await repo.delete_passkey(session, user_id, passkey_id):
        raise PasskeyNotFound()
    await totp.forget_recovery_codes_if_unused(session, user_id)
    await audit.record(session, "passkey.removed", user_id=user_id, client=client)


async def delete_own_passkey(
    session: AsyncSession,
    principal: Principal,
    user: User,
    passkey_id: int,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
    current_password: str | None,
    client: ClientInfo | None = None,
) -> None:
    """The owner removes a passkey after re-authentication, as for turning TOTP off."""
    if await repo.get_for_user(session, user.id, passkey_id) is None:
        raise PasskeyNotFound()
    await reauth.confirm_identity(
        session,
        principal,
        user,
        current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    await delete_passkey(session, user.id, passkey_id, client)


async def registration_options(
    session: AsyncSession, user: User, *, settings: Settings
) -> ceremony.Options:
    rp_id, _origins = ceremony.relying_party(settings)
    existing = await repo.list_for_user(session, user.id)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.webauthn_rp_name,
        user_name=user.username,
        user_id=str(user.id).encode(),
        user_display_name=user.display_name or user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
            for key in existing
        ],
    )
    handle = await ceremony.new_challenge(
        session, ceremony.REGISTER, options.challenge, user.id, settings=settings
    )
    return ceremony.Options(handle, ceremony.to_json(options))


async def register(
    session: AsyncSession,
    user: User,
    *,
    settings: Settings,
    challenge_id: str,
    credential: dict[str, Any],
    name: str | None,
    client: ClientInfo | None = None,
) -> AddedPasskey:
    """Verify the authenticator's answer to `registration_options` and keep the passkey."""
    challenge = await ceremony.spend(session, challenge_id, ceremony.REGISTER, user.id)
    rp_id, origins = ceremony.relying_party(settings)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyRejected(str(exc) or None) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > ceremony.MAX_CREDENTIAL_ID:  # WebAuthn caps ids at 1023 bytes
        raise PasskeyRejected("The credential id is too long")
    transports = credential.get("response", {}).get("transports") or []
    known = {item.value for item in AuthenticatorTransport}
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=[t for t in transports if isinstance(t, str) and t in known],
        aaguid=verified.aaguid,
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
        name=(name or "").strip()[:100] or "Passkey",
    )
    try:
        async with session.begin_nested():
            await repo.add(session, passkey)
    except IntegrityError as exc:
        raise PasskeyExists() from exc
    await audit.record(session, "passkey.added", user_id=user.id, client=client)
    return AddedPasskey(
        passkey, await totp.recovery_codes_for_first_factor(session, user.id, settings=settings)
    )


async def sign_in_options(session: AsyncSession, *, settings: Settings) -> ceremony.Options:
    """Options for a passwordless sign-in: any passkey registered here may answer."""
    return await ceremony.request_options(session, ceremony.SIGN_IN, settings=settings)


async def sign_in(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    challenge_id: str,
    credential: dict[str, Any],
    client: ClientInfo,
) -> IssuedTokens:
    """Verify a passkey's answer to `sign_in_options` and open a session for its owner."""
    if client.ip:
        await limiter.hit(settings.rate_login_ip, "login-ip", client.ip)
    passkey = await ceremony.verify_assertion(
        session,
        challenge_id=challenge_id,
        purpose=ceremony.SIGN_IN,
        credential=credential,
        user_id=None,
        client=client,
        settings=settings,
    )
    try:
        user = await lookup.get_live_user(session, passkey.user_id)
    except NotFound as exc:
        raise PasskeySignInFailed() from exc
    return await proven_sign_in(
        session,
        user,
        client,
        surface="native",
        with_refresh=True,
        amr="hwk user mfa",
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
