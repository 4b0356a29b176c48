"""Yandex ID: the authorize URL and the login-info API (`/info?format=json`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from parley.kit.secrets import same
from parley.providers.base import ProviderHttp, ProviderProfile, join_name, text
from parley.providers.errors import ProviderRejected
from parley.settings import Settings


class YandexClient:
    def __init__(self, settings: Settings, http: ProviderHttp) -> None:
        self.client_id = settings.yandex_client_id
        self.oauth_url = settings.yandex_oauth_url.rstrip("/")
        self.login_url = settings.yandex_login_url.rstrip("/")
        self.avatar_url = settings.yandex_avatar_url.rstrip("/")
        self.http = http

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)

    def authorize_url(self, state: str, redirect_uri: str | None = None) -> str:
        """The implicit flow: Yandex sends the OAuth token back to the client app."""
        params = {"response_type": "token", "client_id": self.client_id, "state": state}
        if redirect_uri:
            params["redirect_uri"] = redirect_uri
        return f"{self.oauth_url}/authorize?{urlencode(params)}"

    async def verify(self, oauth_token: str) -> ProviderProfile:
        response = await self.http.request(
            "yandex",
            "GET",
            f"{self.login_url}/info",
            params={"format": "json"},
            headers={"Authorization": f"OAuth {oauth_token}"},
        )
        if response.status_code in (400, 401, 403):
            raise ProviderRejected("Yandex rejected the OAuth token", reason="rejected")
        if response.status_code != 200:
            raise ProviderRejected(
                f"Yandex answered HTTP {response.status_code}", reason="unexpected_status"
            )
        data = self.http.json("yandex", response)
        return self.profile(data, oauth_token)

    def profile(self, data: dict[str, Any], oauth_token: str) -> ProviderProfile:
        external_id = data.get("id")
        if not isinstance(external_id, str | int) or not str(external_id):
            raise ProviderRejected("Yandex did not name the account", reason="no_id")
        # A token issued to another application must not sign anyone in here.
        issued_to = data.get("client_id")
        if self.client_id and isinstance(issued_to, str) and not same(issued_to, self.client_id):
            raise ProviderRejected(
                "This Yandex token was issued to another application", reason="wrong_client"
            )
        avatar_id = text(data.get("default_avatar_id"), 200)
        avatar = None
        if avatar_id and not data.get("is_avatar_empty"):
            avatar = f"{self.avatar_url}/get-yapic/{avatar_id}/islands-200"
        first = text(data.get("first_name"), 100)
        last = text(data.get("last_name"), 100)
        return ProviderProfile(
            provider="yandex",
            external_id=str(external_id),
            username=text(data.get("login"), 64),
            name=text(data.get("real_name"), 200)
            or text(data.get("display_name"), 200)
            or join_name(first, last),
            first_name=first,
            last_name=last,
            email=text(data.get("default_email"), 320),
            avatar_url=avatar,
            avatar_source=avatar,
            tokens={"oauth_token": oauth_token},
        )
