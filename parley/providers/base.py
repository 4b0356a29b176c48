"""What every provider client shares: the verified profile and HTTP error mapping."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from parley.providers.errors import ProviderTimeout, ProviderUnavailable

log = logging.getLogger("parley.providers")

PROVIDERS = ("yandex", "vk", "google", "telegram")
TITLES = {"yandex": "Yandex ID", "vk": "VK ID", "google": "Google", "telegram": "Telegram"}

# Bearer-style tokens: printable ASCII without spaces. Anything else is refused before it
# reaches a header or a form (httpx would otherwise fail locally and look like an outage).
_TOKEN = re.compile(r"^[\x21-\x7e]{1,8192}$")


@dataclass(frozen=True)
class ProviderProfile:
    """An account the provider has vouched for.

    `avatar_url` is public and may be shown; `avatar_source` is where the picture can be
    downloaded from and may carry a secret (Telegram file links embed the bot token).
    """

    provider: str
    external_id: str
    username: str | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    avatar_source: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "username": self.username,
            "email": self.email,
            "avatar": self.avatar_url,
        }


def well_formed(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token))


class ProviderHttp:
    """One pooled httpx client; transport failures become 502, timeouts 504."""

    def __init__(self, timeout: float) -> None:
        # httpx logs every request URL at INFO; Bot API URLs carry the bot token.
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
        )

    async def request(self, provider: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        title = TITLES.get(provider, provider)
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            log.warning("provider timeout", extra={"provider": provider})
            raise ProviderTimeout(f"{title} did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            log.warning(
                "provider unreachable", extra={"provider": provider, "error": type(exc).__name__}
            )
            raise ProviderUnavailable(f"{title} could not be reached") from exc
        if response.status_code >= 500:
            log.warning(
                "provider failed", extra={"provider": provider, "status": response.status_code}
            )
            raise ProviderUnavailable(f"{title} failed (HTTP {response.status_code})")
        return response

    def json(self, provider: str, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(
                f"{TITLES.get(provider, provider)} sent an unreadable answer"
            ) from exc
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"{TITLES.get(provider, provider)} sent an unexpected answer")
        return data

    async def download(self, provider: str, url: str, max_bytes: int) -> bytes | None:
        """Fetch a picture; None when it is missing or larger than `max_bytes`."""
        title = TITLES.get(provider, provider)
        try:
            async with self.client.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != 200:
                    return None
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    return None
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"{title} did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{title} could not be reached") from exc

    async def aclose(self) -> None:
        await self.client.aclose()


def text(value: Any, limit: int) -> str | None:
    """A provider string field, trimmed and cut to a column's length; None when empty."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


def join_name(*parts: str | None) -> str | None:
    joined = " ".join(part for part in parts if part)
    return joined[:200] or None


def http_url(value: Any) -> str | None:
    """A provider-supplied link, kept only when it is an absolute http(s) URL."""
    url = text(value, 2000)
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None
