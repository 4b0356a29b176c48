"""Google ID tokens, verified offline against Google's certificates (JWKS).

PyJWT's `PyJWKClient` keeps the key set for `CERTS_LIFESPAN` seconds and fetches it again
early when a token names an unknown `kid` (at most once per `REFETCH_SECONDS`, so forged
kids cannot make us hammer Google). Its fetch is synchronous (urllib), so every lookup
runs in a worker thread, one at a time.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.to_thread
import jwt

from parley.kit.time import clock
from parley.providers.base import ProviderProfile, http_url, text
from parley.providers.errors import ProviderRejected, ProviderTimeout, ProviderUnavailable
from parley.settings import Settings

log = logging.getLogger("parley.providers")

ISSUERS = ("accounts.google.com", "https://accounts.google.com")
# PyJWKClient ignores Cache-Control; Google's max-age is hours and new keys are published
# before they sign, so a fixed hour is as fresh and an unknown kid still refetches.
CERTS_LIFESPAN = 3600.0
REFETCH_SECONDS = 5.0
_LEEWAY_SECONDS = 30
_UNKNOWN_KID = "Unable to find a signing key"


class GoogleClient:
    def __init__(self, settings: Settings) -> None:
        self.client_id = settings.google_client_id
        self.timeout = settings.provider_timeout_seconds
        self.jwks = jwt.PyJWKClient(
            settings.google_certs_url,
            lifespan=CERTS_LIFESPAN,
            cooldown_duration=REFETCH_SECONDS,
            timeout=self.timeout,
        )
        # Callers queue here, on the event loop, rather than in worker threads on the
        # client's own lock while Google is slow.
        self._limiter = anyio.CapacityLimiter(1)

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)

    async def verify(self, id_token: str) -> ProviderProfile:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise ProviderRejected("Not a Google ID token", reason="malformed") from exc
        if header.get("alg") != "RS256":
            raise ProviderRejected("Unexpected token algorithm", reason="bad_alg")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ProviderRejected("The token names no key", reason="no_kid")
        key = await self.key(kid)
        if key is None:
            raise ProviderRejected("The token is signed by an unknown key", reason="unknown_kid")
        claims = self.decode(id_token, key)
        return self.profile(claims, id_token)

    def decode(self, id_token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=ISSUERS,
                # Expiry is checked below against Parley's clock.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "iss", "aud", "sub"],
                },
            )
        except jwt.InvalidAudienceError as exc:
            raise ProviderRejected(
                "The token is for another application", reason="audience"
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise ProviderRejected("The token was not issued by Google", reason="issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise ProviderRejected("The token signature is invalid", reason="signature") from exc
        except jwt.PyJWTError as exc:
            raise ProviderRejected("The token is invalid", reason="invalid") from exc
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires + _LEEWAY_SECONDS < clock.timestamp():
            raise ProviderRejected("The token has expired", reason="expired")
        return claims

    def profile(self, claims: dict[str, Any], id_token: str) -> ProviderProfile:
        subject = str(claims.get("sub", "")).strip()
        if not subject or len(subject) > 64:
            raise ProviderRejected("The token names no account", reason="no_sub")
        email = (
            text(claims.get("email"), 320)
            if claims.get("email_verified") in (True, "true")
            else None
        )
        picture = http_url(claims.get("picture"))
        return ProviderProfile(
            provider="google",
            external_id=subject,
            username=email.partition("@")[0] if email else None,
            name=text(claims.get("name"), 200),
            first_name=text(claims.get("given_name"), 100),
            last_name=text(claims.get("family_name"), 100),
            email=email,
            avatar_url=picture,
            avatar_source=picture,
            tokens={"id_token": id_token},
        )

    async def key(self, kid: str) -> jwt.PyJWK | None:
        return await anyio.to_thread.run_sync(self._key, kid, limiter=self._limiter)

    def _key(self, kid: str) -> jwt.PyJWK | None:
        try:
            return self.jwks.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            cause = exc.__cause__
            if isinstance(cause, TimeoutError) or isinstance(
                getattr(cause, "reason", None), TimeoutError
            ):
                log.warning("provider timeout", extra={"provider": "google"})
                raise ProviderTimeout(f"Google did not answer within {self.timeout:g} s") from exc
            log.warning(
                "provider unreachable", extra={"provider": "google", "error": type(cause).__name__}
            )
            raise ProviderUnavailable("Google certificates could not be fetched") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, ValueError) as exc:
            # PyJWT tells an unknown kid from an unusable key set (none usable, not JSON)
            # only by its message.
            if isinstance(exc, jwt.PyJWKClientError) and str(exc).startswith(_UNKNOWN_KID):
                return None
            raise ProviderUnavailable("Google sent no usable certificates") from exc
