"""Google ID tokens, verified offline against Google's certificates (JWKS).

The key set is cached for the `max-age` Google sends and fetched again early when a token
names an unknown `kid` (at most once per `_REFETCH_SECONDS`, so forged kids cannot make us
hammer Google).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import jwt

from parley.identity.providers.base import ProviderHttp, ProviderProfile, http_url, text
from parley.identity.providers.errors import ProviderRejected, ProviderUnavailable
from parley.kit.time import clock
from parley.settings import Settings

ISSUERS = ("accounts.google.com", "https://accounts.google.com")
_DEFAULT_MAX_AGE = 300
_MAX_AGE_CAP = 24 * 3600
_REFETCH_SECONDS = 5.0
_LEEWAY_SECONDS = 30
_MAX_AGE = re.compile(r"max-age=(\d+)")


class GoogleClient:
    def __init__(self, settings: Settings, http: ProviderHttp) -> None:
        self.client_id = settings.google_client_id
        self.certs_url = settings.google_certs_url
        self.http = http
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at = float("-inf")
        self.expires_at = float("-inf")
        self._lock = asyncio.Lock()

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
        now = clock.timestamp()
        stale = now >= self.expires_at
        unknown = kid not in self.keys and now - self.fetched_at >= _REFETCH_SECONDS
        if stale or unknown:
            async with self._lock:
                now = clock.timestamp()
                if now >= self.expires_at or (
                    kid not in self.keys and now - self.fetched_at >= _REFETCH_SECONDS
                ):
                    await self.refresh()
        return self.keys.get(kid)

    async def refresh(self) -> None:
        response = await self.http.request("google", "GET", self.certs_url)
        if response.status_code != 200:
            raise ProviderUnavailable(f"Google certificates: HTTP {response.status_code}")
        data = self.http.json("google", response)
        keys: dict[str, jwt.PyJWK] = {}
        for entry in data.get("keys") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWTError:
                continue
        if not keys:
            raise ProviderUnavailable("Google sent no usable certificates")
        match = _MAX_AGE.search(response.headers.get("cache-control", ""))
        max_age = min(int(match.group(1)), _MAX_AGE_CAP) if match else _DEFAULT_MAX_AGE
        now = clock.timestamp()
        self.keys = keys
        self.fetched_at = now
        self.expires_at = now + max_age
