from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, BigId


class AppRole(Base):
    """Members of `role` see `app` in their menu."""

    __tablename__ = "app_role"

    app_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True, index=True
    )
