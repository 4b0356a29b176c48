from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, id_column


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = id_column()
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
