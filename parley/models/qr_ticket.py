from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class QrTicket(Base):
    """One QR sign-in attempt: pending -> (code_required ->) approved -> exchanged."""

    __tablename__ = "qr_ticket"

    id: Mapped[int] = id_column()
    kind: Mapped[str] = mapped_column(String(16), default="native")
    hub: Mapped[str] = mapped_column(String(128), index=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    check_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    device_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(45))
    country: Mapped[str | None] = mapped_column(String(2))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    approved_by_session_id: Mapped[int | None] = mapped_column(BigId)
    exchange_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # DiscordApi: the hash of the desktop socket's secret (its hub claim) at pending_ticket
    owner_hash: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    trusted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    exchanged_at: Mapped[datetime | None]
