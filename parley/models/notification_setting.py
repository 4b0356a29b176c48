from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, BigId


class NotificationSetting(Base):
    """A user's push preference (no row: pushes on)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    push_enabled: Mapped[bool] = mapped_column(default=True)


class ChannelMute(Base):
    """A member who wants no pushes from a channel."""

    __tablename__ = "channel_mute"

    channel_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("channel.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
