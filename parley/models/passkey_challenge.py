from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class PasskeyChallenge(Base):
    """A WebAuthn challenge handed out with registration or sign-in options; single use.
    `user_id` is empty for a passwordless sign-in (the credential names the person)."""

    __tablename__ = "passkey_challenge"

    id: Mapped[int] = id_column()
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    challenge: Mapped[str] = mapped_column(String(128))  # base64url
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
