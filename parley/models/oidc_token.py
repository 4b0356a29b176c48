from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.kit.time import utc_now
from parley.models.base import Base, BigId, id_column


class OidcToken(Base):
    """An access token and its refresh token (both stored hashed) issued to a client.

    Bound to the Parley session that authorized it: the session's revocation ends the
    token. `code_id` names the authorization code the family started from (a replayed code
    revokes every token of its family); a refresh spends its row and opens a new one."""

    __tablename__ = "oidc_token"

    id: Mapped[int] = id_column()
    client_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_session.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("oidc_authorization_code.id", ondelete="SET NULL"), index=True
    )
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(default=utc_now)
    access_expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
