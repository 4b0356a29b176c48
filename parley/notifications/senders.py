"""The push services at their real protocols, over one async HTTP client.

Web Push: the payload encrypted to the subscription's keys (RFC 8291, aes128gcm, with
pywebpush) and a VAPID signature (RFC 8292). FCM HTTP v1: a service account's signed JWT
exchanged for an OAuth access token (cached until shortly before it expires), then
`POST {fcm_url}/v1/projects/{project}/messages:send`."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid  # type: ignore[import-untyped]
from pywebpush import WebPusher  # type: ignore[import-untyped]

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@dataclass(frozen=True)
class Outcome:
    status: int  # the push service's HTTP status (0: no answer)

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """The subscription expired or was removed: drop it."""
        return self.status in (404, 410)

    @property
    def retry(self) -> bool:
        return self.status == 0 or self.status == 429 or self.status >= 500


class WebPushSender:
    def __init__(self, http: httpx.AsyncClient, private_key: str, subject: str) -> None:
        self._http = http
        self._vapid = Vapid.from_string(private_key=private_key)
        self._subject = subject

    async def send(self, endpoint: str, p256dh: str, auth: str, payload: bytes) -> Outcome:
        info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        encoded = await anyio.to_thread.run_sync(
            lambda: WebPusher(info).encode(payload, "aes128gcm")
        )
        origin = urlsplit(endpoint)
        claims = {
            "sub": self._subject,
            "aud": f"{origin.scheme}://{origin.netloc}",
            "exp": int(time.time()) + 12 * 3600,
        }
        headers = {
            **self._vapid.sign(claims),
            "TTL": "86400",
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Urgency": "high",
        }
        try:
            response = await self._http.post(endpoint, content=encoded["body"], headers=headers)
        except httpx.HTTPError:
            return Outcome(0)
        return Outcome(response.status_code)


class FcmSender:
    def __init__(self, http: httpx.AsyncClient, credentials_file: Path, base_url: str) -> None:
        self._http = http
        account: dict[str, Any] = json.loads(credentials_file.read_text())
        self._email = str(account["client_email"])
        self._key = str(account["private_key"])
        self._token_uri = str(account.get("token_uri") or "https://oauth2.googleapis.com/token")
        self._project = str(account["project_id"])
        self._base = base_url.rstrip("/")
        self._token: tuple[str, float] | None = None
        self._lock = anyio.Lock()

    async def _access_token(self) -> str | None:
        async with self._lock:
            if self._token is not None and self._token[1] > time.time() + 60:
                return self._token[0]
            now = int(time.time())
            assertion = jwt.encode(
                {
                    "iss": self._email,
                    "scope": FCM_SCOPE,
                    "aud": self._token_uri,
                    "iat": now,
                    "exp": now + 3600,
                },
                self._key,
                algorithm="RS256",
            )
            try:
                response = await self._http.post(
                    self._token_uri,
                    data={
                        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                        "assertion": assertion,
                    },
                )
                body = response.json() if response.status_code == 200 else {}
            except (httpx.HTTPError, ValueError):
                return None
            token = body.get("access_token")
            if not isinstance(token, str):
                return None
            self._token = (token, now + float(body.get("expires_in", 3600)))
            return token

    async def send(self, message: dict[str, Any]) -> Outcome:
        """Send one FCM message (`token` or `topic` inside `message`)."""
        token = await self._access_token()
        if token is None:
            return Outcome(0)
        url = f"{self._base}/v1/projects/{self._project}/messages:send"
        try:
            response = await self._http.post(
                url, json={"message": message}, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError:
            return Outcome(0)
        if response.status_code == 401:
            self._token = None  # refreshed on the retry
            return Outcome(503)
        return Outcome(response.status_code)


def vapid_public_key(private_key: str) -> str:
    """The applicationServerKey browsers subscribe with (base64url, uncompressed point)."""
    public = Vapid.from_string(private_key=private_key).public_key
    raw = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
