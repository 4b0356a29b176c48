"""Passkey registration (signed in) and passwordless sign-in, with py_webauthn.

The relying party is `PARLEY_WEBAUTHN_RP_ID` (default: the host of `PARLEY_PUBLIC_URL`), and
answers must come from one of `PARLEY_WEBAUTHN_ORIGINS` (default: that URL's origin). Every
challenge is stored, lives `passkey_challenge_ttl_seconds` and works once; sign-in requires
user verification (PIN or biometrics on the authenticator), so a passkey counts as two
factors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
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
from parley.identity import audit
from parley.identity import service as identity
from parley.identity.passkeys import repository as repo
from parley.identity.passkeys.errors import (
    PasskeyChallengeExpired,
    PasskeyExists,
    PasskeyNotFound,
    PasskeyRejected,
    PasskeySignInFailed,
)
from parley.identity.service import IssuedTokens
from parley.identity.twofactor.login import proven_sign_in
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token
from parley.kit.time import utc_now
from parley.models import Passkey, PasskeyChallenge, User
from parley.runtime import Runtime
from parley.settings import Settings, value_list

REGISTER = "register"
SIGN_IN = "sign_in"
MAX_CREDENTIAL_ID = 1400  # base64url characters (the column's width)


@dataclass(frozen=True)
class Options:
    challenge_id: str
    options: dict[str, Any]
    """PublicKeyCredentialCreationOptions / RequestOptions as JSON (base64url bytes)."""


def relying_party(settings: Settings) -> tuple[str, list[str]]:
    public = urlsplit(settings.public_url)
    rp_id = settings.webauthn_rp_id or public.hostname or "localhost"
    origins = value_list(settings.webauthn_origins or f"{public.scheme}://{public.netloc}")
    return rp_id, origins


async def list_passkeys(session: AsyncSession, user_id: int) -> Sequence[Passkey]:
    return await repo.list_for_user(session, user_id)


async def delete_passkey(
    session: AsyncSession, user_id: int, passkey_id: int, client: ClientInfo | None = None
) -> None:
    if not await repo.delete_passkey(session, user_id, passkey_id):
        raise PasskeyNotFound()
    await audit.record(session, "passkey.removed", user_id=user_id, client=client)


async def registration_options(session: AsyncSession, rt: Runtime, user: User) -> Options:
    rp_id, _origins = relying_party(rt.settings)
    existing = await repo.list_for_user(session, user.id)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rt.settings.webauthn_rp_name,
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
    handle = await _new_challenge(session, rt, REGISTER, options.challenge, user.id)
    return Options(handle, _json(options))


async def register(
    session: AsyncSession,
    rt: Runtime,
    user: User,
    *,
    challenge_id: str,
    credential: dict[str, Any],
    name: str | None,
    client: ClientInfo | None = None,
) -> Passkey:
    """Verify the authenticator's answer to `registration_options` and keep the passkey."""
    challenge = await _spend(session, challenge_id, REGISTER, user.id)
    rp_id, origins = relying_party(rt.settings)
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
    if len(credential_id) > MAX_CREDENTIAL_ID:  # WebAuthn caps ids at 1023 bytes
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
    return passkey


async def sign_in_options(session: AsyncSession, rt: Runtime) -> Options:
    """Options for a passwordless sign-in: any passkey registered here may answer."""
    rp_id, _origins = relying_party(rt.settings)
    options = generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED
    )
    handle = await _new_challenge(session, rt, SIGN_IN, options.challenge, None)
    return Options(handle, _json(options))


async def sign_in(
    session: AsyncSession,
    rt: Runtime,
    *,
    challenge_id: str,
    credential: dict[str, Any],
    client: ClientInfo,
) -> IssuedTokens:
    """Verify a passkey's answer to `sign_in_options` and open a session for its owner."""
    if client.ip:
        await rt.limiter.hit(rt.settings.rate_login_ip, "login-ip", client.ip)
    challenge = await _spend(session, challenge_id, SIGN_IN, None)
    raw_id = credential.get("rawId") or credential.get("id")
    passkey = (
        await repo.get_by_credential_id(session, raw_id)
        if isinstance(raw_id, str) and len(raw_id) <= MAX_CREDENTIAL_ID
        else None
    )
    if passkey is None:
        raise PasskeySignInFailed()
    rp_id, origins = relying_party(rt.settings)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        await audit.record(
            session, "passkey.sign_in_failed", user_id=passkey.user_id, client=client
        )
        raise PasskeySignInFailed() from exc
    if not await repo.record_use(session, passkey.id, verified.new_sign_count, utc_now()):
        raise PasskeySignInFailed("The passkey's signature counter went backwards")
    try:
        user = await identity.get_user(session, passkey.user_id)
    except NotFound as exc:
        raise PasskeySignInFailed() from exc
    return await proven_sign_in(
        session, rt, user, client, surface="native", with_refresh=True, amr="hwk user mfa"
    )


async def _new_challenge(
    session: AsyncSession, rt: Runtime, purpose: str, challenge: bytes, user_id: int | None
) -> str:
    now = utc_now()
    handle = new_token(18)
    await repo.add(
        session,
        PasskeyChallenge(
            handle=handle,
            purpose=purpose,
            challenge=bytes_to_base64url(challenge),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(seconds=rt.settings.passkey_challenge_ttl_seconds),
        ),
    )
    return handle


async def _spend(
    session: AsyncSession, handle: str, purpose: str, user_id: int | None
) -> PasskeyChallenge:
    challenge = await repo.get_challenge(session, handle)
    if (
        challenge is None
        or challenge.purpose != purpose
        or challenge.user_id != user_id
        or not await repo.spend_challenge(session, challenge.id, utc_now())
    ):
        raise PasskeyChallengeExpired()
    return challenge


def _json(options: Any) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(options_to_json(options))
    return data
