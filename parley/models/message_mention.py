from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, BigId


class MessageMention(Base):
    """A member a message mentions: by `@username` (everyone False) or only through
    `@everyone` (everyone True). Kept with the channel id so that a member's unread mentions
    per channel are one index range."""

    __tablename__ = "message_mention"
    __table_args__ = (
        Index("ix_message_mention_user_id_channel_id", "user_id", "channel_id", "message_id"),
    )

    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channel.id", ondelete="CASCADE"))
    everyone: Mapped[bool] = mapped_column(default=False)
