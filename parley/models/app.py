from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, id_column


class App(Base):
    """A client application (Goncord "resource"), identified by URL and an `x-app-token`."""

    __tablename__ = "app"

    id: Mapped[int] = id_column()
    url: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_super: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
