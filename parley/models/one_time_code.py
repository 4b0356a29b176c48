from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class OneTimeCode(Base):
    """A mailed 6-digit code and/or link token for one purpose (and device), stored hashed."""

    __tablename__ = "one_time_code"
    __table_args__ = (Index("ix_one_time_code_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(30))
    device_id: Mapped[str | None] = mapped_column(String(128))
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
