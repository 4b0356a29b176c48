"""SQL for full-text search over messages: one query per page on either database."""

from __future__ import annotations

from sqlalchemy import and_, column, exists, func, literal_column, or_, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.models import Block, Channel, ChannelMember, Message
from parley.models.message_search import FTS_TABLE, PG_COLUMN, PG_CONFIG

MARK_START = "\ue000"  # private-use code points framing the matched words in a snippet
MARK_END = "\ue001"

_fts = table(FTS_TABLE, column("rowid"))
_HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def _readable(user_id: int, channel_id: int | None) -> list[ColumnElement[bool]]:
    """Live messages of the user's unencrypted channels (one, or all), except those of
    authors with a block either way with the user."""
    blocked = exists().where(
        or_(
            and_(Block.blocker_id == user_id, Block.blocked_id == Message.author_id),
            and_(Block.blocker_id == Message.author_id, Block.blocked_id == user_id),
        )
    )
    conditions = [
        Message.deleted_at.is_(None),
        Channel.encrypted.is_(False),
        ~blocked,
    ]
    if channel_id is not None:
        conditions.append(Message.channel_id == channel_id)
    return conditions


async def search(
    session: AsyncSession,
    user_id: int,
    query: str,
    *,
    channel_id: int | None,
    before: int | None,
    limit: int,
) -> list[tuple[Message, str]]:
    """Matching messages, newest first, each with a snippet whose matches are framed by
    MARK_START / MARK_END. `query` is websearch syntax on PostgreSQL, an FTS5 expression on
    SQLite (see search.fts5_query)."""
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
    stmt = (
        stmt.join(Channel, Channel.id == Message.channel_id)
        .join(
            ChannelMember,
            and_(ChannelMember.channel_id == Message.channel_id, ChannelMember.user_id == user_id),
        )
        .where(*_readable(user_id, channel_id))
        .order_by(Message.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(Message.id < before)
    rows = await session.execute(stmt)
    return [(row[0], str(row[1] or "")) for row in rows.all()]
