"""All ORM models, imported together so alembic and relationships see every table."""

from parley.models.audit_event import AuditEvent
from parley.models.base import Base
from parley.models.known_device import KnownDevice
from parley.models.one_time_code import OneTimeCode
from parley.models.qr_ticket import QrTicket
from parley.models.user import User
from parley.models.user_session import UserSession

__all__ = [
    "AuditEvent",
    "Base",
    "KnownDevice",
    "OneTimeCode",
    "QrTicket",
    "User",
    "UserSession",
]
