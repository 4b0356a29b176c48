from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class AttachmentUpload(Base):
    """A direct upload slot: the client PUTs the file straight to the bucket at `key` (a
    presigned URL good until `expires_at`), then completes the slot into an `Attachment`.
    `size` and `content_type` are what the client declared and the URL signs."""

    __tablename__ = "attachment_upload"

    id: Mapped[int] = id_column()
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channel.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
