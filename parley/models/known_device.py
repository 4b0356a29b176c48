from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class KnownDevice(Base):
    """A device (client fingerprint or native device id) a user has proven with a code."""

    __tablename__ = "known_device"
    __table_args__ = (UniqueConstraint("user_id", "device_id", name="uq_known_device_user_device"),)

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(128))
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    ip: Mapped[str | None] = mapped_column(String(45))
    country: Mapped[str | None] = mapped_column(String(2))
    user_agent: Mapped[str | None] = mapped_column(String(512))
