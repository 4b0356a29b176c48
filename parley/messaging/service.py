"""Channels, members, messages and read state. Membership gates everything: a non-member
gets ChannelNotFound, whatever the channel holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import Invalid, NotFound, ParleyError
from parley.identity.accounts import lookup as accounts
from parley.identity.sessions import repository as users
from parley.kit.time import utc_now
from parley.messaging import mentions, repository, uploads
from parley.messaging.errors import (
    AlreadyMember,
    BadCiphertext,
    BadContent,
    ChannelExists,
    ChannelFull,
    ChannelNotFound,
    KeyMissing,
    MessageNotFound,
    NotAuthor,
    NotChannelOwner,
    NotFriends,
    NotGroup,
)
from parley.messaging.schemas import MessageRead
from parley.models import Channel, ChannelMember, Message, User
from parley.settings import Settings
from parley.social import service as social
from parley.social.errors import Blocked, NotYourself

MAX_TEXT = 4000
MAX_KEY_CHARS = 8192
MAX_NAME = 100
UNREAD_CAP = 1000  # unread counts stop at this (clients show "999+")


@dataclass(frozen=True)
class ChannelSummary:
    channel: Channel
    member: ChannelMember
    last_message: Message | None
    unread_count: int
    mention_count: int  # unread messages that mention the member
    member_count: int
    other_user: User | None  # the other member of a direct channel


@dataclass(frozen=True)
class MessagesPage:
    items: list[Message]
    next_cursor: int | None  # pass as `before` for the next (older) page


@dataclass(frozen=True)
class ChannelsPage:
    items: list[ChannelSummary]
    next_cursor: int | None


# event payloads


def message_data(message: Message) -> events.MessageData:
    """A message in events: the REST shape (MessageRead); reactions are not in it (their
    `me` differs per member) but follow in MESSAGE_REACTION_ADD / _REMOVE."""
    exclude = {"reactions", "attachments"}  # MESSAGE_CREATE adds the attachments
    shown = MessageRead.model_validate(message).model_dump(mode="json", exclude=exclude)
    return events.MessageData.model_validate(shown)


def channel_data(channel: Channel, member_ids: Sequence[int]) -> events.ChannelData:
    return events.ChannelData(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        owner_id=channel.owner_id,
        encrypted=channel.encrypted,
        member_ids=tuple(member_ids),
    )


# validation


def check_text(content: str) -> str:
    if not content.strip() or len(content) > MAX_TEXT or "\x00" in content:
        raise BadContent()
    return content


def check_ciphertext(content: str, max_bytes: int) -> str:
    """Any non-empty text up to the cap: E2E libraries write base64, hex or JSON envelopes."""
    if not content or len(content) > max_bytes or "\x00" in content:
        raise BadCiphertext(f"Ciphertext must be 1-{max_bytes} characters")
    return content


def check_key(value: str) -> str:
    if not value or len(value) > MAX_KEY_CHARS or "\x00" in value:
        raise Invalid(f"Encrypted keys are 1-{MAX_KEY_CHARS} characters")
    return value


def check_content(channel: Channel, content: str, settings: Settings) -> str:
    if channel.encrypted:
        return check_ciphertext(content, settings.encrypted_message_max_bytes)
    return check_text(content)


# channels


async def member_channel(
    session: AsyncSession, user_id: int, channel_id: int
) -> tuple[Channel, ChannelMember]:
    found = await repository.get_membership(session, channel_id, user_id)
    if found is None:
        raise ChannelNotFound()
    return found


async def get_channel(session: AsyncSession, user_id: int, channel_id: int) -> ChannelSummary:
    """One channel as the member sees it (same shape as the channel list)."""
    row = await repository.get_channel_row(session, user_id, channel_id, unread_cap=UNREAD_CAP)
    if row is None:
        raise ChannelNotFound()
    return (await _summaries(session, user_id, [row]))[0]


async def channel_members(
    session: AsyncSession, user_id: int, channel_id: int
) -> list[tuple[ChannelMember, User]]:
    await member_channel(session, user_id, channel_id)
    return list(await repository.members_with_users(session, channel_id))


async def open_direct(
    session: AsyncSession,
    user_id: int,
    other_id: int,
    *,
    encrypted_keys: dict[int, str] | None = None,
    require_friend: bool = False,
    exists_ok: bool = True,
) -> tuple[Channel, bool]:
    """The pair's one direct channel, created on demand: (channel, created).

    `encrypted_keys` (user id -> channel key encrypted to that user) makes a new channel an
    encrypted one. Exactly one channel per pair even under concurrent calls (unique pair)."""
    if other_id == user_id:
        raise NotYourself()
    other = await users.get_user(session, other_id)
    if not accounts.is_live(other):
        # with `require_friend`, an unknown account is simply not a friend (nothing leaks)
        raise NotFriends() if require_friend else NotFound("No such user")
    if await social.is_blocked_between(session, user_id, other_id):
        raise Blocked()
    if require_friend and not await social.are_friends(session, user_id, other_id):
        raise NotFriends()
    if encrypted_keys is not None:
        if set(encrypted_keys) != {user_id, other_id}:
            raise Invalid("An encrypted channel needs the key encrypted to each member")
        for value in encrypted_keys.values():
            check_key(value)
    low, high = sorted((user_id, other_id))
    existing = await repository.get_dm(session, low, high)
    if existing is None:
        new_id = await repository.insert_dm(
            session, low, high, encrypted=encrypted_keys is not None
        )
        if new_id is not None:
            keys = encrypted_keys or {}
            await repository.add(
                session,
                *(
                    ChannelMember(channel_id=new_id, user_id=uid, encrypted_key=keys.get(uid))
                    for uid in (user_id, other_id)
                ),
            )
            channel = await repository.get_channel(session, new_id)
            assert channel is not None
            emit(
                session,
                events.ChannelCreated(
                    user_ids=(user_id, other_id), data=channel_data(channel, [low, high])
                ),
            )
            return channel, True
        existing = await repository.get_dm(session, low, high)
        assert existing is not None
    if not exists_ok:
        raise ChannelExists()
    return existing, False


async def create_group(
    session: AsyncSession,
    settings: Settings,
    owner_id: int,
    *,
    name: str,
    member_ids: Sequence[int],
    encrypted_keys: dict[int, str] | None = None,
) -> Channel:
    """A group of the owner and some of their friends."""
    name = _check_name(name)
    ids = [owner_id, *dict.fromkeys(uid for uid in member_ids if uid != owner_id)]
    if len(ids) > settings.group_max_members:
        raise ChannelFull()
    friends = set(await social.friend_ids(session, owner_id))
    if any(uid not in friends for uid in ids[1:]):
        raise NotFriends("Groups can only be made with friends")
    if await social.block_partners(session, owner_id, ids[1:]):
        raise Blocked()
    if encrypted_keys is not None:
        if set(encrypted_keys) != set(ids):
            raise Invalid("An encrypted channel needs the key encrypted to each member")
        for value in encrypted_keys.values():
            check_key(value)
    channel = Channel(kind="group", name=name, owner_id=owner_id, encrypted=bool(encrypted_keys))
    await repository.add(session, channel)
    keys = encrypted_keys or {}
    await repository.add(
        session,
        *(
            ChannelMember(channel_id=channel.id, user_id=uid, encrypted_key=keys.get(uid))
            for uid in ids
        ),
    )
    emit(session, events.ChannelCreated(user_ids=tuple(ids), data=channel_data(channel, ids)))
    return channel


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise Invalid(f"Channel names are 1-{MAX_NAME} characters")
    return name


async def _owned_group(session: AsyncSession, user_id: int, channel_id: int) -> Channel:
    channel, _ = await member_channel(session, user_id, channel_id)
    if channel.kind != "group":
        raise NotGroup()
    if channel.owner_id != user_id:
        raise NotChannelOwner()
    return channel


async def rename_channel(
    session: AsyncSession, user_id: int, channel_id: int, name: str
) -> Channel:
    channel = await _owned_group(session, user_id, channel_id)
    channel.name = _check_name(name)
    await session.flush()
    ids = await repository.member_ids(session, channel_id)
    emit(session, events.ChannelUpdated(user_ids=tuple(ids), data=channel_data(channel, ids)))
    return channel


async def delete_channel(session: AsyncSession, user_id: int, channel_id: int) -> None:
    await _owned_group(session, user_id, channel_id)
    ids = await repository.member_ids(session, channel_id)
    await repository.delete_channel(session, channel_id)
    emit(session, events.ChannelDeleted(user_ids=tuple(ids), data=events.ChannelRef(id=channel_id)))


async def add_member(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    new_id: int,
    *,
    encrypted_key: str | None = None,
) -> User:
    """The owner adds a friend; encrypted groups need the key encrypted to the newcomer."""
    channel = await _owned_group(session, user_id, channel_id)
    newcomer = await accounts.get_live_user(session, new_id)
    if await repository.get_member(session, channel_id, new_id) is not None:
        raise AlreadyMember()
    if not await social.are_friends(session, user_id, new_id):
        raise NotFriends()
    if await social.is_blocked_between(session, user_id, new_id):
        raise Blocked()
    ids = await repository.member_ids(session, channel_id)
    if len(ids) >= settings.group_max_members:
        raise ChannelFull()
    if channel.encrypted and encrypted_key is None:
        raise Invalid("An encrypted channel needs the key encrypted to the new member")
    await repository.add(
        session,
        ChannelMember(
            channel_id=channel_id,
            user_id=new_id,
            encrypted_key=check_key(encrypted_key) if channel.encrypted and encrypted_key else None,
        ),
    )
    data = events.MemberAddedData(channel_id=channel_id, user=social.user_data(newcomer))
    emit(session, events.ChannelMemberAdded(user_ids=(*ids, new_id), data=data))
    emit(
        session,
        events.ChannelCreated(user_ids=(new_id,), data=channel_data(channel, [*ids, new_id])),
    )
    return newcomer


async def remove_member(
    session: AsyncSession, user_id: int, channel_id: int, member_id: int
) -> None:
    """The owner removes someone, or anyone removes themself (leave). When the owner leaves,
    the longest-standing member becomes owner; the last one out deletes the group."""
    channel, _ = await member_channel(session, user_id, channel_id)
    if channel.kind != "group":
        raise NotGroup()
    if member_id != user_id and channel.owner_id != user_id:
        raise NotChannelOwner()
    if await repository.get_member(session, channel_id, member_id) is None:
        raise NotFound("Not a member")
    await repository.delete_member(session, channel_id, member_id)
    remaining = await repository.member_ids(session, channel_id)
    if not remaining:
        await repository.delete_channel(session, channel_id)
        emit(
            session,
            events.ChannelDeleted(user_ids=(member_id,), data=events.ChannelRef(id=channel_id)),
        )
        return
    if channel.owner_id == member_id:
        channel.owner_id = remaining[0]
        await session.flush()
        emit(
            session,
            events.ChannelUpdated(user_ids=tuple(remaining), data=channel_data(channel, remaining)),
        )
    data = events.MemberRemovedData(channel_id=channel_id, user_id=member_id)
    emit(session, events.ChannelMemberRemoved(user_ids=(*remaining, member_id), data=data))


async def list_channels(
    session: AsyncSession, user_id: int, *, before: int | None = None, limit: int = 50
) -> ChannelsPage:
    """The caller's channels (newest first) with last message, unread and mention counts
    (capped at UNREAD_CAP) and, for direct channels, the other user: four queries whatever
    the page."""
    rows = await repository.list_channels_for(
        session, user_id, before=before, limit=limit + 1, unread_cap=UNREAD_CAP
    )
    more = len(rows) > limit
    items = await _summaries(session, user_id, rows[:limit])
    return ChannelsPage(items, items[-1].channel.id if more and items else None)


async def _summaries(
    session: AsyncSession,
    user_id: int,
    rows: Sequence[tuple[Channel, ChannelMember, int | None, int, int]],
) -> list[ChannelSummary]:
    ids = [row[0].id for row in rows]
    by_id = await repository.messages_by_ids(session, [r[2] for r in rows if r[2] is not None])
    dm_ids = [row[0].id for row in rows if row[0].kind == "dm"]
    others = await repository.other_dm_members(session, user_id, dm_ids)
    counts = await repository.member_counts(session, ids)
    return [
        ChannelSummary(
            channel=channel,
            member=member,
            last_message=by_id.get(last_id) if last_id is not None else None,
            unread_count=unread,
            mention_count=mentioned,
            member_count=counts.get(channel.id, 0),
            other_user=others.get(channel.id),
        )
        for channel, member, last_id, unread, mentioned in rows
    ]


async def get_channel_key(session: AsyncSession, user_id: int, channel_id: int) -> str:
    """The channel key encrypted to the caller's public key."""
    channel, member = await member_channel(session, user_id, channel_id)
    if not channel.encrypted or member.encrypted_key is None:
        raise KeyMissing("This channel has no key for you")
    return member.encrypted_key


# messages


def _unblocked(members: Sequence[int], author_id: int, blocks: set[tuple[int, int]]) -> list[int]:
    """The members with no block either way with the author (the author among them)."""
    return [m for m in members if m == author_id or not {(author_id, m), (m, author_id)} & blocks]


def _audience(
    channel: Channel, members: Sequence[int], author_id: int, blocks: set[tuple[int, int]]
) -> list[int]:
    """Who may receive the author's activity in the channel; a block either way in a direct
    channel stops it altogether."""
    ids = _unblocked(members, author_id, blocks)
    if channel.kind == "dm" and len(ids) < 2:
        raise Blocked()
    return ids


async def _unblocked_members(session: AsyncSession, channel_id: int, author_id: int) -> list[int]:
    members = await repository.member_ids(session, channel_id)
    return _unblocked(members, author_id, await repository.blocks_involving(session, [author_id]))


async def recipients(session: AsyncSession, channel: Channel, author_id: int) -> list[int]:
    """Who receives the author's activity in the channel (Blocked: a direct channel with a
    block either way)."""
    members = await repository.member_ids(session, channel.id)
    blocks = await repository.blocks_involving(session, [author_id])
    return _audience(channel, members, author_id, blocks)


@dataclass(frozen=True)
class Draft:
    """A message someone asked to send, not yet checked or stored."""

    author_id: int
    channel_id: int
    content: str
    reply_to_id: int | None = None
    attachment_ids: tuple[int, ...] = ()  # the author's unsent uploads into the channel


async def send_messages(
    session: AsyncSession, settings: Settings, drafts: Sequence[Draft]
) -> list[Message | ParleyError]:
    """Check and store several messages in the session's transaction, with a fixed number
    of queries however many there are (the message writer's group commit; every send goes
    through it). Each draft is judged on its own: the outcome at its
    position is its stored message or the error that refused it."""
    channels, names = await repository.channels_with_members(
        session, {d.channel_id for d in drafts}, with_names=any("@" in d.content for d in drafts)
    )
    blocks = await repository.blocks_involving(session, {d.author_id for d in drafts})
    replies = await repository.message_channels(
        session, {d.reply_to_id for d in drafts if d.reply_to_id is not None}
    )
    files = await uploads.for_drafts(session, {a for d in drafts for a in d.attachment_ids})
    taken: set[int] = set()
    outcomes: list[Message | ParleyError | None] = []
    kept: list[tuple[Draft, mentions.Outgoing]] = []
    for draft in drafts:
        try:
            user_ids = _draft_recipients(draft, channels, blocks, replies, settings)
            uploads.check(
                draft.author_id, draft.channel_id, draft.attachment_ids, files, taken, settings
            )
        except ParleyError as exc:
            outcomes.append(exc)
            continue
        outcomes.append(None)  # its stored message, once inserted
        channel = channels[draft.channel_id][0]
        kept.append((draft, mentions.Outgoing(channel, draft.author_id, draft.content, user_ids)))
    found = mentions.resolve(settings, names, [out for _, out in kept])
    rows = [
        {
            "channel_id": draft.channel_id,
            "author_id": draft.author_id,
            "content": draft.content,
            "reply_to_id": draft.reply_to_id,
            "mention_ids": named.user_ids or None,
            "mention_everyone": named.everyone,
            "created_at": utc_now(),
        }
        for (draft, _), named in zip(kept, found, strict=True)
    ]
    inserted = iter(await repository.insert_messages(session, rows) if rows else [])
    results: list[Message | ParleyError] = [
        outcome if outcome is not None else next(inserted) for outcome in outcomes
    ]
    sent = [result for result in results if isinstance(result, Message)]
    await uploads.link(
        session, [(m.id, d.attachment_ids) for m, (d, _) in zip(sent, kept, strict=True)]
    )
    for message, (draft, out) in zip(sent, kept, strict=True):
        files_data = tuple(uploads.attachment_data(files[a]) for a in draft.attachment_ids)
        data = events.SentMessageData(**message_data(message).model_dump(), attachments=files_data)
        emit(session, events.MessageCreated(user_ids=tuple(out.recipients), data=data))
    await mentions.store(session, list(zip(sent, found, strict=True)))
    return results


def _draft_recipients(
    draft: Draft,
    channels: dict[int, tuple[Channel, list[int]]],
    blocks: set[tuple[int, int]],
    replies: dict[int, int],
    settings: Settings,
) -> list[int]:
    """Who receives the draft: the channel's members with no block either way with the
    author (the author among them). Raises why the draft cannot be sent."""
    channel, members = channels.get(draft.channel_id, (None, []))
    if channel is None or draft.author_id not in members:
        raise ChannelNotFound()
    recipients = _audience(channel, members, draft.author_id, blocks)
    if draft.content or not draft.attachment_ids:  # files may go without text
        check_content(channel, draft.content, settings)
    if draft.reply_to_id is not None and replies.get(draft.reply_to_id) != draft.channel_id:
        raise MessageNotFound("The replied message is not in this channel")
    return recipients


async def _own_message(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int
) -> tuple[Channel, Message]:
    channel, _ = await member_channel(session, user_id, channel_id)
    message = await repository.get_message(session, channel_id, message_id)
    if message is None or message.deleted_at is not None:
        raise MessageNotFound()
    return channel, message


async def edit_message(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    message_id: int,
    content: str,
) -> Message:
    channel, message = await _own_message(session, user_id, channel_id, message_id)
    if message.author_id != user_id:
        raise NotAuthor()
    audience = await recipients(session, channel, user_id)  # a DM block stops edits too
    message.content = check_content(channel, content, settings)
    message.edited_at = utc_now()
    await session.flush()
    emit(session, events.MessageUpdated(user_ids=tuple(audience), data=message_data(message)))
    return message


async def delete_message(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int
) -> Message:
    """Author or channel owner; the row stays as a tombstone without content."""
    channel, message = await _own_message(session, user_id, channel_id, message_id)
    if message.author_id != user_id and channel.owner_id != user_id:
        raise NotAuthor("Only the author or the channel owner may delete this")
    message.content = None
    message.deleted_at = utc_now()
    await session.flush()
    recipients = await _unblocked_members(session, channel_id, user_id)
    data = events.MessageRef(id=message.id, channel_id=channel_id)
    emit(session, events.MessageDeleted(user_ids=tuple(recipients), data=data))
    return message


async def message_page(
    session: AsyncSession, user_id: int, channel_id: int, *, before: int | None, limit: int
) -> MessagesPage:
    """Newest first with the cursor of the next older page (None at the oldest)."""
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1-100")
    await member_channel(session, user_id, channel_id)
    rows = await repository.list_messages(session, channel_id, before=before, limit=limit + 1)
    items = rows[:limit]
    return MessagesPage(items, items[-1].id if len(rows) > limit else None)


async def list_messages_offset(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    *,
    offset: int,
    limit: int,
) -> list[Message]:
    """Offset paging over newest-first order, bounded (DiscordApi's contract only)."""
    if offset < 0 or offset > settings.offset_paging_max:
        raise Invalid(f"offset is 0-{settings.offset_paging_max}")
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1-100")
    await member_channel(session, user_id, channel_id)
    return await repository.list_messages_offset(session, channel_id, offset=offset, limit=limit)


async def mark_read(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int, *, session_id: int | None
) -> ChannelMember:
    """Set the caller's read marker; the caller's other devices hear of it."""
    _, member = await member_channel(session, user_id, channel_id)
    if await repository.get_message(session, channel_id, message_id) is None:
        raise MessageNotFound()
    await repository.set_last_read(session, channel_id, user_id, message_id)
    member.last_read_message_id = message_id
    data = events.ReadStateData(
        channel_id=channel_id, last_read_message_id=message_id, session_id=session_id
    )
    emit(session, events.ReadStateUpdated(user_ids=(user_id,), data=data))
    return member


async def start_typing(session: AsyncSession, user_id: int, channel_id: int) -> None:
    channel, _ = await member_channel(session, user_id, channel_id)
    others = [uid for uid in await recipients(session, channel, user_id) if uid != user_id]
    data = events.TypingData(
        channel_id=channel_id, user_id=user_id, timestamp=int(utc_now().timestamp())
    )
    emit(session, events.TypingStarted(user_ids=tuple(others), data=data))
