from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, Json, id_column


class TelegramLoginCode(Base):
    """A deep-link code the bot received as `/start <code>`: single use, five minutes.

    Only the code's SHA-256 is stored; `profile` is what the bot learned about the sender.
    """

    __tablename__ = "telegram_login_code"

    id: Mapped[int] = id_column()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_user_id: Mapped[str] = mapped_column(String(32))
    profile: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(index=True)
