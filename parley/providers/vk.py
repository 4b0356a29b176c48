"""VK ID: `oauth2/public_info`. VK answers 200 even on failure; an `error` field rejects."""

from __future__ import annotations

from parley.providers.base import (
    ProviderHttp,
    ProviderProfile,
    http_url,
    join_name,
    text,
)
from parley.providers.errors import ProviderRejected
from parley.settings import Settings


class VkClient:
    def __init__(self, settings: Settings, http: ProviderHttp) -> None:
        self.client_id = settings.vk_client_id
        self.base_url = settings.vk_id_url.rstrip("/")
        self.http = http

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)

    async def verify(self, id_token: str) -> ProviderProfile:
        response = await self.http.request(
            "vk",
            "POST",
            f"{self.base_url}/oauth2/public_info",
            data={"client_id": self.client_id, "id_token": id_token},
        )
        if 400 <= response.status_code < 500:
            raise ProviderRejected("VK ID rejected the token", reason="rejected")
        data = self.http.json("vk", response)
        if "error" in data:
            raise ProviderRejected("VK ID rejected the token", reason=str(data["error"])[:40])
        user = data.get("user")
        if not isinstance(user, dict):
            raise ProviderRejected("VK ID did not name the account", reason="no_user")
        user_id = user.get("user_id")
        if not isinstance(user_id, str | int) or not str(user_id).strip():
            raise ProviderRejected("VK ID did not name the account", reason="no_id")
        first = text(user.get("first_name"), 100)
        last = text(user.get("last_name"), 100)
        avatar = http_url(user.get("avatar"))
        # VK masks emails here (`el***@gmail.com`); a masked address is never kept.
        return ProviderProfile(
            provider="vk",
            external_id=str(user_id).strip(),
            name=join_name(first, last),
            first_name=first,
            last_name=last,
            avatar_url=avatar,
            avatar_source=avatar,
            tokens={"id_token": id_token},
        )
