"""The provider clients a runtime holds: one HTTP pool, the token box, four clients."""

from __future__ import annotations

from parley.providers.base import ProviderHttp
from parley.providers.crypto import TokenBox, load_key
from parley.providers.google import GoogleClient
from parley.providers.telegram import TelegramClient
from parley.providers.vk import VkClient
from parley.providers.yandex import YandexClient
from parley.settings import Settings


class ProviderClients:
    def __init__(self, settings: Settings) -> None:
        self.http = ProviderHttp(settings.provider_timeout_seconds)
        self.box = TokenBox(load_key(settings.keys_dir))
        self.avatar_max_bytes = settings.avatar_max_bytes
        self.yandex = YandexClient(settings, self.http)
        self.vk = VkClient(settings, self.http)
        self.google = GoogleClient(settings)
        self.telegram = TelegramClient(settings, self.http)

    def enabled(self) -> list[str]:
        clients = {
            "yandex": self.yandex.enabled,
            "vk": self.vk.enabled,
            "google": self.google.enabled,
            "telegram": self.telegram.enabled,
        }
        return [name for name, on in clients.items() if on]

    async def aclose(self) -> None:
        await self.http.aclose()
