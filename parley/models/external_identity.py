from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, Json, id_column


class ExternalIdentity(Base):
    """A provider account (Yandex, VK, Google, Telegram) linked to a user.

    One per (provider, external id) and one per provider for a user. `profile` is the last
    snapshot the provider gave (name, avatar, email); `tokens` is Fernet ciphertext.
    """

    __tablename__ = "external_identity"
    __table_args__ = (
        UniqueConstraint("provider", "external_id"),
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    profile: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    tokens: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_login_at: Mapped[datetime | None]
