from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, Json, id_column


class OidcClient(Base):
    """An app's OpenID Connect registration: its client id, hashed secret (none when public)
    and the redirect URIs it may use, matched exactly."""

    __tablename__ = "oidc_client"

    id: Mapped[int] = id_column()
    app_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("app.id", ondelete="CASCADE"), unique=True
    )
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    is_public: Mapped[bool] = mapped_column(default=False)
    first_party: Mapped[bool] = mapped_column(default=False)
    redirect_uris: Mapped[list[Any]] = mapped_column(Json, default=list)
    post_logout_redirect_uris: Mapped[list[Any]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
