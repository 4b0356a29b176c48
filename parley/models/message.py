from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, Json, id_column


class Message(Base):
    """Text, or ciphertext in encrypted channels. Deleting leaves a tombstone (content None)."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_channel_id_id", "channel_id", "id"),)

    id: Mapped[int] = id_column()
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channel.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user.id", ondelete="SET NULL"))
    content: Mapped[str | None] = mapped_column(Text)
    reply_to_id: Mapped[int | None] = mapped_column(BigId)
    # members named with @username when sent (None: nobody); see messaging.mentions
    mention_ids: Mapped[list[int] | None] = mapped_column(Json)
    mention_everyone: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
