from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base


class DataVersion(Base):
    """Global counters clients poll to know when to refetch (e.g. `schedule`)."""

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
