"""Typed bus events: one frozen model per topic.

Services queue them with `emit(session, MessageCreated(...))` (`parley.db`); they go out on
the bus after commit as `Event(model.topic, model JSON)`, so a consumer in another instance
reads the same shape. Events addressed to users (`Addressed`) carry `user_ids` and `data`;
those with a `dispatch` name reach gateway clients as that dispatch, `d` being `data`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BusEvent(_Frozen):
    topic: ClassVar[str]


class Addressed(BusEvent):
    """An event for some users only; `dispatch` names it on the gateway (None: not sent)."""

    dispatch: ClassVar[str | None] = None
    user_ids: tuple[int, ...]


# ------------------------------------------------------------------------ payload parts


class UserCard(_Frozen):
    """The public face of a user in events."""

    id: int
    username: str
    display_name: str | None
    avatar_key: str | None


class MessageData(_Frozen):
    """A message as REST shows it (MessageRead) without reactions (their `me` differs per
    member; reaction events carry the changes) and without attachments (only sends add
    them)."""

    id: int
    channel_id: int
    author_id: int | None
    content: str | None
    reply_to_id: int | None
    mention_ids: tuple[int, ...]
    mention_everyone: bool
    created_at: str
    edited_at: str | None
    deleted_at: str | None


class AttachmentData(_Frozen):
    id: int
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None


class SentMessageData(MessageData):
    attachments: tuple[AttachmentData, ...]


class ReactionData(_Frozen):
    channel_id: int
    message_id: int
    user_id: int
    emoji: str
    count: int  # how many reacted so, after the change


class MentionData(_Frozen):
    channel_id: int
    message_id: int
    author_id: int | None
    everyone: bool  # the mention was an @everyone


class ChannelData(_Frozen):
    id: int
    kind: str
    name: str | None
    owner_id: int | None
    encrypted: bool
    member_ids: tuple[int, ...]


class ChannelRef(_Frozen):
    id: int


class MessageRef(_Frozen):
    id: int
    channel_id: int


class MemberAddedData(_Frozen):
    channel_id: int
    user: UserCard


class MemberRemovedData(_Frozen):
    channel_id: int
    user_id: int


class ReadStateData(_Frozen):
    channel_id: int
    last_read_message_id: int
    session_id: int | None


class TypingData(_Frozen):
    channel_id: int
    user_id: int
    timestamp: int


class FriendData(_Frozen):
    user: UserCard


class FriendRequestData(_Frozen):
    id: int
    from_user: UserCard
    to_user: UserCard


class UserRef(_Frozen):
    user_id: int


class PresenceData(_Frozen):
    user_id: int
    status: Literal["online", "offline"]


class ProfileVersionData(_Frozen):
    user_id: int
    profile_version: int


class LinkedData(_Frozen):
    provider: str
    external_id: str


class UnlinkedData(_Frozen):
    provider: str


# ------------------------------------------------------------------------ gateway events


class MessageCreated(Addressed):
    topic = "message.created"
    dispatch = "MESSAGE_CREATE"
    data: SentMessageData


class MessageUpdated(Addressed):
    topic = "message.updated"
    dispatch = "MESSAGE_UPDATE"
    data: MessageData


class MessageDeleted(Addressed):
    topic = "message.deleted"
    dispatch = "MESSAGE_DELETE"
    data: MessageRef


class ReactionAdded(Addressed):
    topic = "reaction.added"
    dispatch = "MESSAGE_REACTION_ADD"
    data: ReactionData


class ReactionRemoved(Addressed):
    topic = "reaction.removed"
    dispatch = "MESSAGE_REACTION_REMOVE"
    data: ReactionData


class MentionCreated(Addressed):
    """To the members a new message mentions."""

    topic = "mention.created"
    dispatch = "MESSAGE_MENTION"
    data: MentionData


class ChannelCreated(Addressed):
    topic = "channel.created"
    dispatch = "CHANNEL_CREATE"
    data: ChannelData


class ChannelUpdated(Addressed):
    topic = "channel.updated"
    dispatch = "CHANNEL_UPDATE"
    data: ChannelData


class ChannelDeleted(Addressed):
    topic = "channel.deleted"
    dispatch = "CHANNEL_DELETE"
    data: ChannelRef


class ChannelMemberAdded(Addressed):
    topic = "channel.member_added"
    dispatch = "CHANNEL_MEMBER_ADD"
    data: MemberAddedData


class ChannelMemberRemoved(Addressed):
    topic = "channel.member_removed"
    dispatch = "CHANNEL_MEMBER_REMOVE"
    data: MemberRemovedData


class TypingStarted(Addressed):
    topic = "typing.started"
    dispatch = "TYPING_START"
    data: TypingData


class ReadStateUpdated(Addressed):
    topic = "read_state.updated"
    dispatch = "READ_STATE_UPDATE"
    data: ReadStateData


class FriendRequested(Addressed):
    topic = "friend.request"
    dispatch = "FRIEND_REQUEST"
    data: FriendRequestData


class FriendAdded(Addressed):
    topic = "friend.added"
    dispatch = "FRIEND_ADD"
    data: FriendData


class FriendRemoved(Addressed):
    topic = "friend.removed"
    dispatch = "FRIEND_REMOVE"
    data: UserRef


class PresenceUpdated(Addressed):
    topic = "presence.updated"
    dispatch = "PRESENCE_UPDATE"
    data: PresenceData


# ------------------------------------------------------------------------ other events


class UserUpdated(Addressed):
    """A user's profile, roles or app payloads changed (their `profile_version` rose)."""

    topic = "user.updated"
    data: ProfileVersionData


class IdentityLinked(Addressed):
    topic = "identity.linked"
    data: LinkedData


class IdentityUnlinked(Addressed):
    topic = "identity.unlinked"
    data: UnlinkedData


class UserCreated(BusEvent):
    topic = "user.created"
    user_id: int


class SessionRevoked(BusEvent):
    """Every instance drops these sessions from its token cache and closes their sockets."""

    topic = "session.revoked"
    user_id: int
    session_ids: tuple[int, ...]
    reason: str


class KeysRotated(BusEvent):
    """A new signing key: every instance reloads the key ring."""

    topic = "keys.rotated"
    kid: str


class DataVersionBumped(BusEvent):
    topic = "data_version.bumped"
    name: str
    version: int


class AttachmentPurged(BusEvent):
    """Attachment rows are gone: delete their objects from the storage backend."""

    topic = "attachment.purge"
    keys: tuple[str, ...]


class QrUpdated(BusEvent):
    """A QR ticket changed state; each instance's QR hub hands `data` to the hub's sockets."""

    topic = "qr.updated"
    hub: str
    data: dict[str, Any]


EVENTS: tuple[type[BusEvent], ...] = (
    MessageCreated,
    MessageUpdated,
    MessageDeleted,
    ReactionAdded,
    ReactionRemoved,
    MentionCreated,
    ChannelCreated,
    ChannelUpdated,
    ChannelDeleted,
    ChannelMemberAdded,
    ChannelMemberRemoved,
    TypingStarted,
    ReadStateUpdated,
    FriendRequested,
    FriendAdded,
    FriendRemoved,
    PresenceUpdated,
    UserUpdated,
    IdentityLinked,
    IdentityUnlinked,
    UserCreated,
    SessionRevoked,
    KeysRotated,
    DataVersionBumped,
    AttachmentPurged,
    QrUpdated,
)

BY_TOPIC: dict[str, type[BusEvent]] = {event.topic: event for event in EVENTS}

# Bus topic -> gateway dispatch name, for every event gateway clients receive.
DISPATCH_NAMES: dict[str, str] = {
    event.topic: event.dispatch
    for event in EVENTS
    if issubclass(event, Addressed) and event.dispatch is not None
}
