"""Mentions: `@username` of a member, and `@everyone` in a group (by its owner, or by any
member when `mention_everyone` is "members"). Recognised when a message is sent, for a whole
batch of sends with no lookup of its own (the members' names come with the channels) and
one insert, and stored with the message; edits keep the
mentions of the original. Encrypted channels carry ciphertext: nothing to recognise."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.messaging import mention_repository as repository
from parley.models import Channel, Message
from parley.settings import Settings

# A username (see identity.validation) after "@" that does not continue a word or an address.
_MENTION = re.compile(r"(?<![\w.@-])@([\w.\-]{3,32})")
EVERYONE = "everyone"


@dataclass(frozen=True)
class Mentions:
    user_ids: list[int]  # named with @username (members other than the author)
    everyone: bool  # an @everyone that counted
    audience: list[int]  # everyone the message mentions, named or through @everyone


NONE = Mentions([], False, [])


@dataclass(frozen=True)
class Outgoing:
    """A checked draft: its channel, the author and who receives it."""

    channel: Channel
    author_id: int
    content: str
    recipients: list[int]


def _names(content: str) -> set[str]:
    found: set[str] = set()
    for match in _MENTION.finditer(content):
        name = match.group(1).lower()
        found.add(name)
        found.add(name.rstrip(".-"))  # "@bob." at the end of a sentence
    return found


def _everyone_allowed(channel: Channel, author_id: int, settings: Settings) -> bool:
    if channel.kind != "group":
        return False
    return settings.mention_everyone == "members" or channel.owner_id == author_id


def resolve(settings: Settings, names: dict[str, int], batch: Sequence[Outgoing]) -> list[Mentions]:
    """Who each outgoing message mentions: only members who receive it (a block either way
    with the author means no mention). `names` maps the lower-cased usernames of the
    batch's channel members to their ids (loaded with the channels: no query here)."""
    result: list[Mentions] = []
    for outgoing in batch:
        wanted = set() if outgoing.channel.encrypted else _names(outgoing.content)
        if not wanted:
            result.append(NONE)
            continue
        others = [uid for uid in outgoing.recipients if uid != outgoing.author_id]
        reachable = set(others)
        named = sorted({names[n] for n in wanted - {EVERYONE} if n in names} & reachable)
        everyone = EVERYONE in wanted and _everyone_allowed(
            outgoing.channel, outgoing.author_id, settings
        )
        audience = others if everyone else named
        result.append(Mentions(named, everyone, audience) if audience or everyone else NONE)
    return result


async def store(session: AsyncSession, sent: Sequence[tuple[Message, Mentions]]) -> None:
    """Store the mentions of sent messages (one statement) and tell each mentioned member."""
    rows = [
        {
            "message_id": message.id,
            "user_id": uid,
            "channel_id": message.channel_id,
            "everyone": uid not in mentions.user_ids,
        }
        for message, mentions in sent
        for uid in mentions.audience
    ]
    if rows:
        await repository.insert_mentions(session, rows)
    for message, mentions in sent:
        if not mentions.audience:
            continue
        data = events.MentionData(
            channel_id=message.channel_id,
            message_id=message.id,
            author_id=message.author_id,
            everyone=mentions.everyone,
        )
        emit(session, events.MentionCreated(user_ids=tuple(mentions.audience), data=data))
