from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class Channel(Base):
    """A direct channel (kind "dm", one per pair: dm_low_id < dm_high_id, unique) or a group."""

    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("dm_low_id", "dm_high_id"),)

    id: Mapped[int] = id_column()
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(100))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user.id", ondelete="SET NULL"))
    encrypted: Mapped[bool] = mapped_column(default=False)
    dm_low_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    dm_high_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
