"""Local stand-ins for Yandex ID, VK ID, Google and the Telegram Bot API.

Each is a small Starlette app served by uvicorn on loopback in a background thread, so the
provider clients are exercised over real HTTP. Behaviour is chosen per token (good, bad,
slow, 5xx, garbage), so tests sharing one fake do not disturb each other.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from parley.kit.secrets import new_token
from parley.testing.fake_server import FakeServer

SLOW_SECONDS = 1.5
GOOD, SLOW, FAIL, GARBAGE = "good", "slow", "fail", "garbage"


def png_bytes(color: str = "red", size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()


async def behave(behaviour: str) -> Response | None:
    """The shared bad answers; None means answer normally."""
    if behaviour == SLOW:
        await asyncio.sleep(SLOW_SECONDS)
    if behaviour == FAIL:
        return PlainTextResponse("upstream exploded", status_code=503)
    if behaviour == GARBAGE:
        return PlainTextResponse("<html>not json</html>", status_code=200)
    return None


@dataclass
class FakeYandex:
    """`GET /info?format=json` with `Authorization: OAuth <token>`; avatars under /get-yapic."""

    client_id: str = "parley-yandex-app"
    accounts: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer(
            [
                Route("/info", self.info),
                Route("/get-yapic/{avatar_id}/islands-200", self.avatar),
            ]
        )

    @property
    def url(self) -> str:
        return self.server.url

    def account(
        self, behaviour: str = GOOD, *, client_id: str | None = None, **fields: Any
    ) -> tuple[str, dict[str, Any]]:
        """Register an OAuth token for a new Yandex account; returns (token, info)."""
        uid = str(fields.pop("id", None) or int(time.time() * 1000) % 10**9 + len(self.accounts))
        login = fields.pop("login", None) or f"ya_{new_token(4).lower().replace('-', 'x')}"
        info = {
            "id": uid,
            "login": login,
            "client_id": client_id or self.client_id,
            "display_name": login,
            "real_name": "Yana Yandexova",
            "first_name": "Yana",
            "last_name": "Yandexova",
            "default_email": f"{login}@yandex.ru",
            "emails": [f"{login}@yandex.ru"],
            "default_avatar_id": f"{uid}-avatar",
            "is_avatar_empty": False,
            "psuid": new_token(8),
            **fields,
        }
        token = f"y0_{new_token(24)}"
        self.accounts[token] = (info, behaviour)
        return token, info

    async def info(self, request: Request) -> Response:
        self.server.requests.append("/info")
        header = request.headers.get("authorization", "")
        if request.query_params.get("format") != "json" or not header.startswith("OAuth "):
            return PlainTextResponse("bad request", status_code=400)
        found = self.accounts.get(header.removeprefix("OAuth "))
        if found is None:
            return PlainTextResponse("invalid token", status_code=401)
        bad = await behave(found[1])
        return bad or JSONResponse(found[0])

    async def avatar(self, _request: Request) -> Response:
        return Response(png_bytes("yellow"), media_type="image/png")


@dataclass
class FakeVk:
    """`POST /oauth2/public_info` (form: client_id, id_token): 200 even for errors."""

    client_id: str = "51989581"
    users: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer(
            [
                Route("/oauth2/public_info", self.public_info, methods=["POST"]),
                Route("/avatar/{name}", self.avatar),
            ]
        )

    @property
    def url(self) -> str:
        return self.server.url

    def user(self, behaviour: str = GOOD, **fields: Any) -> tuple[str, dict[str, Any]]:
        uid = str(fields.pop("user_id", None) or 400_000_000 + len(self.users) * 7 + 3)
        user = {
            "user_id": uid,
            "first_name": "Елисей",
            "last_name": "В.",  # noqa: RUF001 - the seed's example
            "phone": "+7 *** *** ** 54",
            "avatar": f"{self.url}/avatar/{uid}.jpg",
            "email": "el***@gmail.com",
            **fields,
        }
        token = f"vk2.a.{new_token(24)}"
        self.users[token] = (user, behaviour)
        return token, user

    async def public_info(self, request: Request) -> Response:
        self.server.requests.append("/oauth2/public_info")
        form = await request.form()
        found = self.users.get(str(form.get("id_token", "")))
        if form.get("client_id") != self.client_id or found is None:
            return JSONResponse(
                {"error": "invalid_request", "error_description": "id_token is missing or invalid"}
            )
        bad = await behave(found[1])
        return bad or JSONResponse({"user": found[0]})

    async def avatar(self, _request: Request) -> Response:
        return Response(png_bytes("blue"), media_type="image/jpeg")


@dataclass
class FakeGoogle:
    """`GET /oauth2/v3/certs`: a JWKS with Cache-Control; mints RS256 ID tokens."""

    client_id: str = "parley-test.apps.googleusercontent.com"
    max_age: int = 3600
    behaviour: str = GOOD
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    current: str = ""
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer([Route("/oauth2/v3/certs", self.certs)])
        self.rotate()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def certs_url(self) -> str:
        return f"{self.url}/oauth2/v3/certs"

    def rotate(self) -> str:
        """Publish a new key and sign with it from now on (old keys stay published)."""
        kid = new_token(8)
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.current = kid
        return kid

    def token(
        self,
        sub: str | None = None,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        **claims: Any,
    ) -> tuple[str, str]:
        """An ID token (and its `sub`); claims override the defaults (aud, iss, exp, ...)."""
        sub = sub or str(10**20 + int.from_bytes(new_token(6).encode(), "big") % 10**20)
        now = int(time.time())
        body = {
            "iss": "https://accounts.google.com",
            "azp": self.client_id,
            "aud": self.client_id,
            "sub": sub,
            "email": f"g{sub[-8:]}@gmail.com",
            "email_verified": True,
            "name": "Gina Google",
            "given_name": "Gina",
            "family_name": "Google",
            "picture": None,
            "iat": now,
            "exp": now + 3600,
            **claims,
        }
        body = {k: v for k, v in body.items() if v is not None}
        kid = kid or self.current
        signer = key or self.keys[kid]
        return jwt.encode(body, signer, algorithm="RS256", headers={"kid": kid}), sub

    async def certs(self, _request: Request) -> Response:
        self.server.requests.append("/oauth2/v3/certs")
        bad = await behave(self.behaviour)
        if bad:
            return bad
        jwks = []
        for kid, key in self.keys.items():
            entry = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwks.append({**entry, "kid": kid, "alg": "RS256", "use": "sig"})
        return JSONResponse(
            {"keys": jwks},
            headers={"Cache-Control": f"public, max-age={self.max_age}, must-revalidate"},
        )


@dataclass
class FakeTelegram:
    """The Bot API methods Parley calls, plus file downloads; remembers sent messages."""

    bot_token: str = "7000001:AAH-parley-test-bot-token"
    photos: dict[int, str] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    behaviour: dict[str, str] = field(default_factory=dict)
    server: FakeServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FakeServer(
            [
                Route("/bot{token}/{method}", self.method, methods=["POST", "GET"]),
                Route("/file/bot{token}/{path:path}", self.file),
            ]
        )

    @property
    def url(self) -> str:
        return self.server.url

    def with_photo(self, user_id: int) -> None:
        self.photos[user_id] = f"photos/file_{user_id}.jpg"

    def messages_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent if m.get("chat_id") == chat_id]

    async def method(self, request: Request) -> Response:
        name = request.path_params["method"]
        self.server.requests.append(name)
        if request.path_params["token"] != self.bot_token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        params: dict[str, Any] = await request.json() if await request.body() else {}
        bad = await behave(
            self.behaviour.get(f"{name}:{params.get('user_id') or params.get('chat_id')}", GOOD)
        )
        if bad:
            return bad
        if name == "sendMessage":
            self.sent.append(params)
            return JSONResponse({"ok": True, "result": {"message_id": len(self.sent)}})
        if name == "getUserProfilePhotos":
            path = self.photos.get(int(params["user_id"]))
            photos = (
                [
                    [
                        {"file_id": f"small:{path}", "width": 160, "height": 160},
                        {"file_id": f"big:{path}", "width": 640, "height": 640},
                        {"file_id": f"huge:{path}", "width": 1280, "height": 1280},
                    ]
                ]
                if path
                else []
            )
            return JSONResponse(
                {"ok": True, "result": {"total_count": len(photos), "photos": photos}}
            )
        if name == "getFile":
            size, _, path = str(params["file_id"]).partition(":")
            return JSONResponse(
                {
                    "ok": True,
                    "result": {"file_id": params["file_id"], "file_path": f"{size}/{path}"},
                }
            )
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def file(self, request: Request) -> Response:
        if request.path_params["token"] != self.bot_token:
            return PlainTextResponse("Unauthorized", status_code=401)
        self.server.requests.append("file:" + request.path_params["path"])
        return Response(png_bytes("green"), media_type="image/jpeg")

    def update(self, user_id: int, text: str, **sender: Any) -> dict[str, Any]:
        """A Bot API update: a private message from `user_id`."""
        person = {
            "id": user_id,
            "is_bot": False,
            "first_name": "Tanya",
            "last_name": "Telegina",
            "username": f"tanya{user_id}",
            "language_code": "ru",
            **sender,
        }
        return {
            "update_id": user_id % 10**6,
            "message": {
                "message_id": 1,
                "from": person,
                "chat": {"id": user_id, "type": "private", "first_name": person["first_name"]},
                "date": int(time.time()),
                "text": text,
            },
        }

    def widget(
        self, user_id: int, *, auth_date: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Login Widget data signed the way Telegram signs it (key = SHA256(bot token))."""
        data: dict[str, Any] = {
            "id": user_id,
            "first_name": "Wanda",
            "username": f"wanda{user_id}",
            "auth_date": auth_date if auth_date is not None else int(time.time()),
            **fields,
        }
        check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
        secret = hashlib.sha256(self.bot_token.encode()).digest()
        data["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
        return data


@dataclass
class FakeProviders:
    yandex: FakeYandex = field(default_factory=FakeYandex)
    vk: FakeVk = field(default_factory=FakeVk)
    google: FakeGoogle = field(default_factory=FakeGoogle)
    telegram: FakeTelegram = field(default_factory=FakeTelegram)
    webhook_secret: str = "parley-webhook-secret"

    def servers(self) -> list[FakeServer]:
        return [self.yandex.server, self.vk.server, self.google.server, self.telegram.server]

    def start(self) -> None:
        for server in self.servers():
            server.start()

    def stop(self) -> None:
        for server in self.servers():
            server.stop()

    def settings(self, make_settings: Callable[..., Any], **overrides: Any) -> Any:
        """Settings pointing every provider at these fakes."""
        values: dict[str, Any] = {
            "yandex_client_id": self.yandex.client_id,
            "yandex_secret": "yandex-secret",
            "yandex_oauth_url": "https://oauth.yandex.test",
            "yandex_login_url": self.yandex.url,
            "yandex_avatar_url": self.yandex.url,
            "vk_client_id": self.vk.client_id,
            "vk_id_url": self.vk.url,
            "google_client_id": self.google.client_id,
            "google_certs_url": self.google.certs_url,
            "telegram_bot_token": self.telegram.bot_token,
            "telegram_bot_name": "parley_test_bot",
            "telegram_api_url": self.telegram.url,
            "telegram_webhook_secret": self.webhook_secret,
            **overrides,
        }
        return make_settings(**values)
