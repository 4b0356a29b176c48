"""Telegram: the Bot API (deep-link `/start <code>` login) and Login Widget checks.

Bot API URLs contain the bot token, so they are never logged or stored; the avatar's
download link is kept only for as long as the login code lives.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from typing import Any

from parley.errors import ParleyError
from parley.kit.time import clock
from parley.providers.base import ProviderHttp, ProviderProfile, http_url, join_name, text
from parley.providers.errors import ProviderRejected
from parley.settings import Settings

log = logging.getLogger("parley.providers")

CODE_TTL_SECONDS = 300
WIDGET_MAX_AGE_SECONDS = 24 * 3600
# Telegram deep-link parameters are 1-64 of A-Z a-z 0-9 _ -; we want 16+ for entropy.
CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_PHOTO_MAX_SIDE = 640


class TelegramClient:
    def __init__(self, settings: Settings, http: ProviderHttp) -> None:
        self.bot_token = settings.telegram_bot_token.get_secret_value()
        self.bot_name = settings.telegram_bot_name
        self.api_url = settings.telegram_api_url.rstrip("/")
        self.webhook_secret = settings.telegram_webhook_secret.get_secret_value()
        self.http = http

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)

    def deep_link(self, code: str) -> str:
        return f"https://t.me/{self.bot_name}?start={code}"

    def secret_ok(self, presented: str | None) -> bool:
        if not self.webhook_secret or presented is None:
            return False
        return hmac.compare_digest(presented.encode(), self.webhook_secret.encode())

    async def call(self, method: str, **params: Any) -> Any:
        response = await self.http.request(
            "telegram", "POST", f"{self.api_url}/bot{self.bot_token}/{method}", json=params
        )
        data = self.http.json("telegram", response)
        if not data.get("ok"):
            raise ProviderRejected(
                f"Telegram refused {method}", reason=str(data.get("error_code", "refused"))
            )
        return data.get("result")

    async def send_message(self, chat_id: int | str, message: str) -> None:
        """Best effort: the user is told; a failure is logged, never raised."""
        try:
            await self.call("sendMessage", chat_id=chat_id, text=message)
        except ParleyError as exc:
            log.warning("telegram sendMessage failed", extra={"error": exc.code})

    async def photo_path(self, user_id: int | str) -> str | None:
        """The file path of the user's newest profile photo, or None (also on failure)."""
        try:
            photos = await self.call("getUserProfilePhotos", user_id=user_id, limit=1)
            sizes = (photos or {}).get("photos") or []
            if not sizes or not isinstance(sizes[0], list) or not sizes[0]:
                return None
            fitting = [
                s for s in sizes[0] if max(s.get("width", 0), s.get("height", 0)) <= _PHOTO_MAX_SIDE
            ]
            chosen = (fitting or sizes[0])[-1]
            found = await self.call("getFile", file_id=chosen["file_id"])
        except (ParleyError, KeyError, TypeError, AttributeError) as exc:
            log.info("telegram photo unavailable", extra={"error": type(exc).__name__})
            return None
        path = (found or {}).get("file_path") if isinstance(found, dict) else None
        return path if isinstance(path, str) and path else None

    def file_url(self, file_path: str) -> str:
        return f"{self.api_url}/file/bot{self.bot_token}/{file_path}"

    def profile(self, user_id: str, data: Mapping[str, Any]) -> ProviderProfile:
        """A profile from what the bot (or the widget) learned about a Telegram user."""
        first = text(data.get("first_name"), 100)
        last = text(data.get("last_name"), 100)
        path = data.get("photo_path")
        photo_url = http_url(data.get("photo_url"))
        return ProviderProfile(
            provider="telegram",
            external_id=user_id,
            username=text(data.get("username"), 64),
            name=join_name(first, last),
            first_name=first,
            last_name=last,
            avatar_url=photo_url,
            avatar_source=self.file_url(path) if isinstance(path, str) and path else photo_url,
        )

    def verify_widget(self, fields: Mapping[str, str]) -> ProviderProfile:
        """Check Login Widget data: HMAC-SHA256 keyed with SHA256(bot token), and freshness."""
        presented = fields.get("hash", "")
        check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")
        secret = hashlib.sha256(self.bot_token.encode()).digest()
        expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(presented.encode(), expected.encode()):
            raise ProviderRejected(
                "The Telegram login data is not signed by our bot", reason="hash"
            )
        auth_date = fields.get("auth_date", "")
        now = clock.timestamp()
        if (
            not auth_date.isdigit()
            or not now - WIDGET_MAX_AGE_SECONDS <= int(auth_date) <= now + 60
        ):
            raise ProviderRejected("The Telegram login data has expired", reason="expired")
        user_id = fields.get("id", "")
        if not user_id.isdigit():
            raise ProviderRejected("The Telegram login data names no user", reason="no_id")
        return self.profile(user_id, fields)
