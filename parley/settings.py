"""Settings: the ops contract from DESIGN.md. Only this module reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    public_url: str = "http://127.0.0.1:8000"
    mail_url: str = "outbox"
    mail_from: str = "Parley <no-reply@parley.local>"
    storage_url: str = "file"
    dialects: str = ",".join(DEFAULT_DIALECTS)
    log_level: str = "INFO"
    trusted_proxies: str = "127.0.0.1,::1"

    # tokens
    access_ttl_seconds: int = 15 * 60
    long_access_ttl_seconds: int = 30 * 24 * 3600
    refresh_ttl_seconds: int = 60 * 24 * 3600
    refresh_grace_seconds: int = 10
    session_cache_seconds: int = 30
    signing_keys_dir: Path | None = None

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
    avatar_max_bytes: int = 5 * 1024 * 1024
    app_payload_max_bytes: int = 64 * 1024
    avatar_max_pixels: int = 24_000_000
    avatar_max_side: int = 1024
    avatar_thumb_side: int = 128

    # access
    admin_role: str = "admin"
    # the app whose per-user payload holds the Schedule dialect's `role` and `variants`
    schedule_app_url: str = Field(default="schedule", min_length=1, max_length=500)
    page_size: int = Field(default=20, ge=1, le=100)

    # messaging and end-to-end key material
    group_max_members: int = Field(default=100, ge=2)
    encrypted_message_max_bytes: int = Field(default=16 * 1024, ge=64)
    offset_paging_max: int = Field(default=10_000, ge=0)
    pin_pepper: SecretStr = SecretStr("")

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
    def trusted_proxy_list(self) -> list[str]:
        return value_list(self.trusted_proxies)

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
