"""The WebAuthn ceremonies (py_webauthn), with stored single-use challenges.

The relying party is `PARLEY_WEBAUTHN_RP_ID` (default: the host of `PARLEY_PUBLIC_URL`), and
answers must come from one of `PARLEY_WEBAUTHN_ORIGINS` (default: that URL's origin). Every
challenge lives `passkey_challenge_ttl_seconds` and works once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from parley.identity.accounts import audit
from parley.identity.passkeys import repository as repo
from parley.identity.passkeys.errors import PasskeyChallengeExpired, PasskeySignInFailed
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token
from parley.kit.time import utc_now
from parley.models import Passkey, PasskeyChallenge
from parley.settings import Settings, value_list

REGISTER = "register"
SIGN_IN = "sign_in"
SECOND_FACTOR = "second_factor"
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


def to_json(options: Any) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(options_to_json(options))
    return data


async def new_challenge(
    session: AsyncSession,
    purpose: str,
    challenge: bytes,
    user_id: int | None,
    *,
    settings: Settings,
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
            expires_at=now + timedelta(seconds=settings.passkey_challenge_ttl_seconds),
        ),
    )
    return handle


async def spend(
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


async def request_options(
    session: AsyncSession,
    purpose: str,
    *,
    settings: Settings,
    user_id: int | None = None,
    allow: Sequence[Passkey] = (),
) -> Options:
    """Options for `navigator.credentials.get()`: any passkey (passwordless sign-in), or one
    of `allow` (the second factor of `user_id`)."""
    rp_id, _origins = relying_party(settings)
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id)) for key in allow
        ],
        user_verification=UserVerificationRequirement.REQUIRED
        if purpose == SIGN_IN
        else UserVerificationRequirement.PREFERRED,
    )
    handle = await new_challenge(session, purpose, options.challenge, user_id, settings=settings)
    return Options(handle, to_json(options))


async def verify_assertion(
    session: AsyncSession,
    *,
    settings: Settings,
    challenge_id: str,
    purpose: str,
    credential: dict[str, Any],
    user_id: int | None,
    client: ClientInfo,
) -> Passkey:
    """Check a passkey's answer to `request_options` (user verification required for a
    passwordless sign-in); records its signature counter. For a second factor the passkey
    must be `user_id`'s."""
    challenge = await spend(session, challenge_id, purpose, user_id)
    raw_id = credential.get("rawId") or credential.get("id")
    passkey = (
        await repo.get_by_credential_id(session, raw_id)
        if isinstance(raw_id, str) and len(raw_id) <= MAX_CREDENTIAL_ID
        else None
    )
    if passkey is None or (user_id is not None and passkey.user_id != user_id):
        raise PasskeySignInFailed()
    rp_id, origins = relying_party(settings)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=purpose == SIGN_IN,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        await audit.record(session, "passkey.failed", user_id=passkey.user_id, client=client)
        raise PasskeySignInFailed() from exc
    if not await repo.record_use(session, passkey.id, verified.new_sign_count, utc_now()):
        raise PasskeySignInFailed("The passkey's signature counter went backwards")
    return passkey
