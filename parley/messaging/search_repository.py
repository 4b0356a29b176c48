"""SQL for full-text search over messages: one query per page on either database."""

from __future__ import annotations

from sqlalchemy import column, func, literal_column, or_, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import Block, Channel, ChannelMember, Message
from parley.models.message_search import FTS_TABLE, PG_COLUMN, PG_CONFIG

MARK_START = "\ue000"  # private-use code points framing the matched words in a snippet
MARK_END = "\ue001"

_fts = table(FTS_TABLE, column("rowid"))
_HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


async def readable_channel_ids(
    session: AsyncSession, user_id: int, channel_id: int | None
) -> list[int]:
    """The user's unencrypted channels (or just `channel_id`, when it is one of them)."""
    stmt = (
        select(ChannelMember.channel_id)
        .join(Channel, Channel.id == ChannelMember.channel_id)
        .where(ChannelMember.user_id == user_id, Channel.encrypted.is_(False))
    )
    if channel_id is not None:
        stmt = stmt.where(ChannelMember.channel_id == channel_id)
    return list((await session.scalars(stmt)).all())


async def block_partners(session: AsyncSession, user_id: int) -> list[int]:
    """Everyone the user blocked or was blocked by."""
    rows = await session.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            or_(Block.blocker_id == user_id, Block.blocked_id == user_id)
        )
    )
    return sorted({b if a == user_id else a for a, b in rows.all()})


async def search(
    session: AsyncSession,
    query: str,
    *,
    channel_ids: list[int],
    hidden_authors: list[int],
    before: int | None,
    limit: int,
) -> list[tuple[Message, str]]:
    """Matching live messages of `channel_ids` not written by `hidden_authors`, newest
    first, each with a snippet whose matches are framed by MARK_START / MARK_END. `query`
    is websearch syntax on PostgreSQL, an FTS5 expression on SQLite (see search.fts5_query)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        tsquery = func.websearch_to_tsquery(literal_column(f"'{PG_CONFIG}'::regconfig"), query)
        snippet = func.ts_headline(
            literal_column(f"'{PG_CONFIG}'::regconfig"), Message.content, tsquery, _HEADLINE
        )
        matches = literal_column(f"message.{PG_COLUMN}").op("@@")(tsquery)
        stmt = select(Message, snippet).where(matches)
    else:
        snippet = func.snippet(literal_column(FTS_TABLE), 0, MARK_START, MARK_END, " … ", 24)
        stmt = (
            select(Message, snippet)
            .select_from(_fts)
            .join(Message, Message.id == _fts.c.rowid)
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=query))
        )
    # The channel ids as a list (not a join) let PostgreSQL's planner weigh the GIN index
    # against walking the newest messages backwards: a rare word takes the index, a common
    # one stops after `limit` rows of the primary key.
    stmt = (
        stmt.where(Message.channel_id.in_(channel_ids), Message.deleted_at.is_(None))
        .order_by(Message.id.desc())
        .limit(limit)
    )
    if hidden_authors:
        stmt = stmt.where(
            or_(Message.author_id.is_(None), Message.author_id.not_in(hidden_authors))
        )
    if before is not None:
        stmt = stmt.where(Message.id < before)
    rows = await session.execute(stmt)
    return [(row[0], str(row[1] or "")) for row in rows.all()]
