"""Settings: the ops contract from DESIGN.md. Only this module reads the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DIALECTS = ("discordapi", "goncord", "schedule", "whisper")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARLEY_", env_file=".env", extra="ignore", frozen=False
    )

    # core
    database_url: str = "sqlite+aiosqlite:///./var/parley.db"
    redis_url: str | None = None
    redis_prefix: str = "parley"
    data_dir: Path = Path("./var")
    public_url: str = "http://127.0.0.1:8000"  # `parley serve`: the served host and port
    mail_url: str = "outbox"
    mail_from: str = "Parley <no-reply@parley.local>"
    storage_url: str = "file"
    dialects: str = ",".join(DEFAULT_DIALECTS)
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: text on a terminal, else JSON
    cors_origins: str = ""  # origins whose browsers may call the API; empty: no CORS headers
    trusted_proxies: str = "127.0.0.1,::1"

    # the served HTTP connections (`parley serve`)
    server_limit_concurrency: int = Field(default=2000, ge=1)  # connections + requests; 503 above
    server_keep_alive_seconds: float = Field(default=5.0, gt=0)  # idle between requests
    server_header_timeout_seconds: float = Field(default=10.0, gt=0)  # to send a request head

    # operations endpoints
    docs_enabled: bool = True  # /docs, /redoc and /openapi.json
    metrics_enabled: bool = True
    # client networks allowed to read /metrics (the address after PARLEY_TRUSTED_PROXIES)
    metrics_allow: str = "127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
    # `parley serve` answers /metrics on this port (same host) instead of the app's port
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # tokens
    access_ttl_seconds: int = 15 * 60
    long_access_ttl_seconds: int = 30 * 24 * 3600
    refresh_ttl_seconds: int = 60 * 24 * 3600
    refresh_grace_seconds: int = 10
    session_cache_seconds: int = 30
    signing_keys_dir: Path | None = None

    # OpenID Connect provider
    oidc_code_ttl_seconds: int = Field(default=60, ge=1)
    oidc_access_ttl_seconds: int = Field(default=15 * 60, ge=1)
    oidc_id_token_ttl_seconds: int = Field(default=15 * 60, ge=1)

    # passwords (argon2id; OWASP: m=19 MiB, t=2, p=1 is the floor)
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    # rate limits, in `limits` notation
    rate_limits_enabled: bool = True
    rate_login: str = "10/minute"
    rate_login_ip: str = "30/minute"
    rate_register_ip: str = "20/hour"
    rate_code: str = "5/minute"
    rate_pin: str = "10/minute"
    rate_second_factor: str = "10/minute"
    rate_oauth: str = "60/minute"  # token, revocation and introspection calls per client IP
    rate_code_mail: str = "5/15minutes"

    # devices, one-time codes and QR login
    device_verification: bool = True
    code_ttl_seconds: int = 600
    code_max_attempts: int = 5
    link_ttl_seconds: int = 24 * 3600
    qr_ticket_ttl_seconds: int = 120
    qr_trusted_approver_skips_code: bool = True
    # account changes: a passwordless account re-authenticates by a sign-in this recent
    reauth_max_age_seconds: int = 300
    email_revert_ttl_seconds: int = 7 * 24 * 3600

    # two-factor sign-in
    totp_issuer: str = Field(default="Parley", min_length=1, max_length=100)
    second_factor_ttl_seconds: int = Field(default=300, ge=1)
    recovery_code_count: int = Field(default=10, ge=1, le=50)

    # passkeys (WebAuthn); the relying party id and origins default to PARLEY_PUBLIC_URL's
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str = Field(default="Parley", min_length=1, max_length=100)
    webauthn_origins: str | None = None
    passkey_challenge_ttl_seconds: int = Field(default=300, ge=1)

    # providers
    yandex_client_id: str = ""
    yandex_secret: SecretStr = SecretStr("")
    yandex_oauth_url: str = "https://oauth.yandex.ru"
    yandex_login_url: str = "https://login.yandex.ru"
    yandex_avatar_url: str = "https://avatars.yandex.net"
    vk_client_id: str = ""
    vk_id_url: str = "https://id.vk.com"
    google_client_id: str = ""
    google_certs_url: str = "https://www.googleapis.com/oauth2/v3/certs"
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_bot_name: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr = SecretStr("")
    provider_timeout_seconds: float = 5.0
    geoip_db: Path | None = None

    # realtime gateway
    gateway_heartbeat_ms: int = Field(default=41_250, ge=100)
    gateway_resume_seconds: float = 120.0
    gateway_buffer_size: int = Field(default=500, ge=1)
    gateway_max_frame_bytes: int = 4096
    rate_gateway: str = "120/minute"  # inbound frames per connection

    # limits
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024)  # any request body
    image_decode_concurrency: int = Field(default=2, ge=1)  # images decoded at once
    avatar_max_bytes: int = 5 * 1024 * 1024
    app_payload_max_bytes: int = 64 * 1024
    avatar_max_pixels: int = 24_000_000
    avatar_max_side: int = 1024
    avatar_thumb_side: int = 128

    # access
    admin_role: str = "admin"
    # the app whose per-user payload holds the Schedule dialect's `role` and `variants`
    schedule_app_url: str = Field(default="schedule", min_length=1, max_length=500)
    # the role a Schedule profile shows until a super app sets one (the seed's STUDENT; set
    # it for a client whose role vocabulary differs)
    schedule_default_role: str = Field(default="STUDENT", min_length=1, max_length=32)
    page_size: int = Field(default=20, ge=1, le=100)

    # messaging and end-to-end key material
    group_max_members: int = Field(default=100, ge=2)
    encrypted_message_max_bytes: int = Field(default=16 * 1024, ge=64)
    offset_paging_max: int = Field(default=10_000, ge=0)
    reactions_max_per_message: int = Field(default=20, ge=1)
    mention_everyone: Literal["owner", "members"] = "owner"  # who may @everyone in a group
    attachment_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    attachment_max_per_message: int = Field(default=10, ge=1)
    attachment_max_pixels: int = Field(default=40_000_000, ge=1)
    attachment_max_side: int = Field(default=4096, ge=16)
    attachment_thumb_side: int = Field(default=320, ge=16)
    # direct uploads (S3 only): the largest file, and how long a presigned PUT URL lives
    attachment_max_large_bytes: int = Field(default=1024**3, ge=1, le=2**31 - 1)
    attachment_upload_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)

    # push notifications (Web Push with VAPID; Firebase Cloud Messaging HTTP v1)
    vapid_private_key: SecretStr = SecretStr("")  # PEM or base64url raw key; empty: no Web Push
    vapid_subject: str = "mailto:admin@localhost"
    fcm_credentials_file: Path | None = None  # a service account JSON; None: no FCM
    fcm_url: str = "https://fcm.googleapis.com"
    push_retry_attempts: int = Field(default=4, ge=1)
    push_retry_seconds: float = Field(default=1.0, ge=0)  # doubled after each failed attempt
    push_queue_size: int = Field(default=10_000, ge=1)
    pin_pepper: SecretStr = SecretStr("")

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value_list(value):
            ip_network(part, strict=False)
        return value

    @field_validator("dialects")
    @classmethod
    def _known_dialects(cls, value: str) -> str:
        unknown = {d for d in value_list(value) if d not in DEFAULT_DIALECTS}
        if unknown:
            raise ValueError(f"unknown dialects: {', '.join(sorted(unknown))}")
        return value

    @property
    def dialect_list(self) -> list[str]:
        return value_list(self.dialects)

    @property
    def cors_origin_list(self) -> list[str]:
        return value_list(self.cors_origins)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return value_list(self.trusted_proxies)

    @property
    def metrics_networks(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(part, strict=False) for part in value_list(self.metrics_allow)]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def keys_dir(self) -> Path:
        return self.signing_keys_dir or self.data_dir / "keys"


def value_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()


def default_public_url(host: str, port: int) -> None:
    """`parley serve`: unless PARLEY_PUBLIC_URL is set, links point at the served address. It
    goes into the environment, which uvicorn's worker processes inherit."""
    if "public_url" in get_settings().model_fields_set:
        return
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)  # noqa: S104 (a name)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    os.environ["PARLEY_PUBLIC_URL"] = f"http://{shown}:{port}"
    get_settings.cache_clear()
