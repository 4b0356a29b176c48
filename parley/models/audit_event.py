from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, Json, id_column


class AuditEvent(Base):
    """Append-only: sign-ins, failures, revocations, password changes, admin actions.

    `user_id` is the account the event concerns; `actor_id` the administrator who acted on
    it (None for what people do themselves)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_kind_id", "kind", "id"),)

    id: Mapped[int] = id_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(BigId)
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
