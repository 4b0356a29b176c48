from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId


class AppPayload(Base):
    """One JSON document per (app, user)."""

    __tablename__ = "app_payload"

    app_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
