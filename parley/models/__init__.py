"""All ORM models, imported together so alembic and relationships see every table."""

from parley.models.app import App
from parley.models.app_payload import AppPayload
from parley.models.app_role import AppRole
from parley.models.attachment import Attachment
from parley.models.attachment_upload import AttachmentUpload
from parley.models.audit_event import AuditEvent
from parley.models.base import Base
from parley.models.block import Block
from parley.models.channel import Channel
from parley.models.channel_member import ChannelMember
from parley.models.data_version import DataVersion
from parley.models.external_identity import ExternalIdentity
from parley.models.friend_request import FriendRequest
from parley.models.friendship import Friendship
from parley.models.known_device import KnownDevice
from parley.models.message import Message
from parley.models.message_mention import MessageMention
from parley.models.message_reaction import MessageReaction
from parley.models.message_report import MessageReport
from parley.models.notification_setting import ChannelMute, NotificationSetting
from parley.models.oidc_authorization_code import OidcAuthorizationCode
from parley.models.oidc_client import OidcClient
from parley.models.oidc_consent import OidcConsent
from parley.models.oidc_token import OidcToken
from parley.models.one_time_code import OneTimeCode
from parley.models.passkey import Passkey
from parley.models.passkey_challenge import PasskeyChallenge
from parley.models.push_subscription import PushSubscription
from parley.models.qr_hub_claim import QrHubClaim
from parley.models.qr_ticket import QrTicket
from parley.models.recovery_code import RecoveryCode
from parley.models.role import Role
from parley.models.telegram_login_code import TelegramLoginCode
from parley.models.totp_credential import TotpCredential
from parley.models.user import User
from parley.models.user_key import UserKey
from parley.models.user_role import UserRole
from parley.models.user_search import user_username_prefix_index
from parley.models.user_session import UserSession

__all__ = [
    "App",
    "AppPayload",
    "AppRole",
    "Attachment",
    "AttachmentUpload",
    "AuditEvent",
    "Base",
    "Block",
    "Channel",
    "ChannelMember",
    "ChannelMute",
    "DataVersion",
    "ExternalIdentity",
    "FriendRequest",
    "Friendship",
    "KnownDevice",
    "Message",
    "MessageMention",
    "MessageReaction",
    "MessageReport",
    "NotificationSetting",
    "OidcAuthorizationCode",
    "OidcClient",
    "OidcConsent",
    "OidcToken",
    "OneTimeCode",
    "Passkey",
    "PasskeyChallenge",
    "PushSubscription",
    "QrHubClaim",
    "QrTicket",
    "RecoveryCode",
    "Role",
    "TelegramLoginCode",
    "TotpCredential",
    "User",
    "UserKey",
    "UserRole",
    "UserSession",
    "user_username_prefix_index",
]
