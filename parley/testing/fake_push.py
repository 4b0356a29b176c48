"""Local stand-ins for a Web Push service and Firebase Cloud Messaging (OAuth token endpoint
and HTTP v1 send), over real HTTP. A Web Push endpoint path or an FCM token names the
behaviour: `gone-…` answers 410 (Web Push) or 404 (FCM), `flaky-…` fails once with 503."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parley.testing.fake_server import FakeServer

PROJECT = "parley-test"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's Web Push subscription keys."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        data: dict[str, Any] = json.loads(plain)
        return data


class FakePush:
    def __init__(self, tmp: Path) -> None:
        self.account_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.webpush: list[tuple[str, dict[str, str], bytes]] = []
        self.fcm: list[dict[str, Any]] = []
        self.failed: set[str] = set()
        self.server = FakeServer(
            [
                Route("/token", self._token, methods=["POST"]),
                Route("/v1/projects/{project}/messages:send", self._send, methods=["POST"]),
                Route("/push/{name}", self._push, methods=["POST"]),
            ]
        )
        self.credentials = tmp / "fcm.json"
        pem = self.account_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.credentials.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": PROJECT,
                    "client_email": "push@parley-test.iam.example.com",
                    "private_key": pem,
                    "token_uri": f"{self.server.url}/token",
                }
            )
        )

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def _once_flaky(self, name: str) -> bool:
        if name.startswith("flaky-") and name not in self.failed:
            self.failed.add(name)
            return True
        return False

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        claims = jwt.decode(
            str(form["assertion"]),
            self.account_key.public_key(),
            algorithms=["RS256"],
            audience=f"{self.server.url}/token",
        )
        assert claims["scope"].endswith("firebase.messaging")
        return JSONResponse({"access_token": "fcm-access", "expires_in": 3600})

    async def _send(self, request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer fcm-access":
            return JSONResponse({"error": {"status": "UNAUTHENTICATED"}}, 401)
        message = (await request.json())["message"]
        target = str(message.get("token") or message.get("topic"))
        if target.startswith("gone-"):
            return JSONResponse({"error": {"status": "NOT_FOUND"}}, 404)
        if self._once_flaky(target):
            return JSONResponse({"error": {"status": "UNAVAILABLE"}}, 503)
        self.fcm.append(message)
        return JSONResponse({"name": f"projects/{PROJECT}/messages/1"})

    async def _push(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name.startswith("gone-"):
            return Response(status_code=410)
        if self._once_flaky(name):
            return Response(status_code=503)
        self.webpush.append((name, dict(request.headers), await request.body()))
        return Response(status_code=201)
