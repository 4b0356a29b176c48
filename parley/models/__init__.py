"""All ORM models, imported together so alembic and relationships see every table."""

from parley.models.audit_event import AuditEvent
from parley.models.base import Base
from parley.models.external_identity import ExternalIdentity
from parley.models.telegram_login_code import TelegramLoginCode
from parley.models.user import User
from parley.models.user_session import UserSession

__all__ = [
    "AuditEvent",
    "Base",
    "ExternalIdentity",
    "TelegramLoginCode",
    "User",
    "UserSession",
]
