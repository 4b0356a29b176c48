"""All ORM models, imported together so alembic and relationships see every table."""

from parley.models.audit_event import AuditEvent
from parley.models.base import Base
from parley.models.block import Block
from parley.models.channel import Channel
from parley.models.channel_member import ChannelMember
from parley.models.friend_request import FriendRequest
from parley.models.friendship import Friendship
from parley.models.message import Message
from parley.models.user import User
from parley.models.user_key import UserKey
from parley.models.user_session import UserSession

__all__ = [
    "AuditEvent",
    "Base",
    "Block",
    "Channel",
    "ChannelMember",
    "FriendRequest",
    "Friendship",
    "Message",
    "User",
    "UserKey",
    "UserSession",
]
