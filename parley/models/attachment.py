from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class Attachment(Base):
    """A file uploaded into a channel, attached to one message once that is sent (until
    then message_id is None). Its objects live in the storage backend under `key` (and
    `thumbnail_key` for images); in encrypted channels it is the client's ciphertext."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_message_id", "message_id"),)

    id: Mapped[int] = id_column()
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channel.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("message.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(255))
    thumbnail_key: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
