from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base


class QrHubClaim(Base):
    """The one DiscordApi desktop socket that owns a QR hub (its `client_id`), by the hash of
    that socket's own secret. Renewed while the socket is open; an expired claim may be taken."""

    __tablename__ = "qr_hub_claim"

    hub: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
