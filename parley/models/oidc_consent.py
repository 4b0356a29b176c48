from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class OidcConsent(Base):
    """The scopes a user has allowed a client; asked again only for scopes beyond these."""

    __tablename__ = "oidc_consent"
    __table_args__ = (UniqueConstraint("user_id", "client_pk", name="uq_oidc_consent_user_client"),)

    id: Mapped[int] = id_column()
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user.id", ondelete="CASCADE"))
    client_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
