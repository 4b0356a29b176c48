"""Emoji reactions to messages. Only members react; a block either way with the author (or,
in a direct channel, with the other member) refuses; the members hear of each change."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.messaging import reaction_repository as repository
from parley.messaging import service
from parley.messaging.errors import BadEmoji, MessageNotFound, TooManyReactions
from parley.settings import Settings
from parley.social.errors import Blocked

MAX_EMOJI = 32


@dataclass(frozen=True)
class ReactionCount:
    emoji: str
    count: int
    me: bool  # the viewer is among those who reacted so


def check_emoji(emoji: str) -> str:
    """One emoji (a grapheme cluster of code points, or a short name such as `:party:`)."""
    emoji = unicodedata.normalize("NFC", emoji)
    if not 1 <= len(emoji) <= MAX_EMOJI or any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") or ch == "/"
        for ch in emoji
    ):
        raise BadEmoji()
    return emoji


async def _target(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int
) -> tuple[list[int], int | None]:
    """Who hears of the caller's reaction, and the message's author. Locks the message."""
    channel, _ = await service.member_channel(session, user_id, channel_id)
    recipients = await service.recipients(session, channel, user_id)
    message = await repository.lock_message(session, channel_id, message_id)
    if message is None:
        raise MessageNotFound()
    author = message.author_id
    if author is not None and author not in recipients:
        raise Blocked()
    return recipients, author


async def add_reaction(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    message_id: int,
    emoji: str,
) -> None:
    """React; reacting again with the same emoji changes nothing. A new emoji on a message
    that already has `reactions_max_per_message` distinct ones is refused."""
    emoji = check_emoji(emoji)
    recipients, _ = await _target(session, user_id, channel_id, message_id)
    present = await repository.emojis_of(session, message_id)
    if emoji not in present and len(present) >= settings.reactions_max_per_message:
        raise TooManyReactions(
            f"A message has at most {settings.reactions_max_per_message} distinct reactions"
        )
    if await repository.add(session, message_id, user_id, emoji):
        await _announce(
            session, events.ReactionAdded, recipients, user_id, channel_id, message_id, emoji
        )


async def remove_reaction(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int, emoji: str
) -> None:
    """Take back your reaction; none to take back changes nothing."""
    emoji = check_emoji(emoji)
    recipients, _ = await _target(session, user_id, channel_id, message_id)
    if await repository.remove(session, message_id, user_id, emoji):
        await _announce(
            session, events.ReactionRemoved, recipients, user_id, channel_id, message_id, emoji
        )


async def _announce(
    session: AsyncSession,
    event: type[events.ReactionAdded | events.ReactionRemoved],
    recipients: list[int],
    user_id: int,
    channel_id: int,
    message_id: int,
    emoji: str,
) -> None:
    data = events.ReactionData(
        channel_id=channel_id,
        message_id=message_id,
        user_id=user_id,
        emoji=emoji,
        count=await repository.count(session, message_id, emoji),
    )
    emit(session, event(user_ids=tuple(recipients), data=data))


async def reactions_for(
    session: AsyncSession, viewer_id: int, message_ids: Collection[int]
) -> dict[int, list[ReactionCount]]:
    """Per message: each emoji with its count and whether the viewer reacted so."""
    found: dict[int, list[ReactionCount]] = {}
    for message_id, emoji, count, me in await repository.counts(session, viewer_id, message_ids):
        found.setdefault(message_id, []).append(ReactionCount(emoji, count, me))
    return found
