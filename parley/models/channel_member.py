from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId


class ChannelMember(Base):
    """Membership, the member's read state and (encrypted channels) the channel key
    encrypted to the member's public key."""

    __tablename__ = "channel_member"

    channel_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utc_now)
    encrypted_key: Mapped[str | None] = mapped_column(Text)
    last_read_message_id: Mapped[int | None] = mapped_column(BigId)
