"""SQL for history pages: keyset ranges of one channel on (channel_id, id), read as plain
rows (no ORM entities), each page with whether more lies beyond it, in one statement.

A page costs a few statements, so their Python side is most of its CPU: the statements are
built once per shape (database, which bounds are given) with bound parameters, and ids go in
as one array on PostgreSQL instead of an IN list expanded on every execution."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from parley.kit.ids import MAX_ID
from parley.models import ChannelMember, Message


class MessageRow(NamedTuple):
    """A message as pages read it: a plain row, no ORM entity."""

    id: int
    channel_id: int
    author_id: int | None
    content: str | None
    reply_to_id: int | None
    mention_ids: list[int] | None
    mention_everyone: bool
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


class Page(NamedTuple):
    rows: list[MessageRow]  # newest first
    older: bool  # the channel holds a message older than the oldest row
    newer: bool  # ... and one newer than the newest


_message = Message.__table__.c
_member = ChannelMember.__table__.c
_ROW_COLUMNS = [_message[name] for name in MessageRow._fields]
_WIDTH = len(_ROW_COLUMNS)


def _param(name: str) -> Any:
    return bindparam(name, type_=_message.id.type)


_LIMIT = bindparam("limit", type_=Integer())


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(column: ColumnElement[Any], postgres: bool) -> ColumnElement[bool]:
    """`column` is one of the ids bound as `ids`: `= ANY(array)` on PostgreSQL (one
    parameter), an expanding IN on SQLite."""
    if postgres:
        return column == any_(bindparam("ids", type_=ARRAY(column.type)))
    return column.in_(bindparam("ids", expanding=True))


def _channel_range(
    postgres: bool,
    columns: Sequence[Any],
    *,
    after: Any | None,
    before: Any | None,
    newest_first: bool,
) -> Select[Any]:
    """The channel's (`channel_id`) messages with ids strictly between the parameters
    `after` and `before`, in (channel_id, id) order, which only `ix_message_channel_id_id`
    yields. PostgreSQL gets no `channel_id = :id`: it would drop channel_id from the ORDER BY
    as a constant, and then walk the primary key backwards, filtering, whenever it guesses
    the channel's rows lie near the table's end. SQLite seeks that index only on the equality
    form."""
    channel_id = _param("channel_id")
    if postgres:
        position = tuple_(_message.channel_id, _message.id)
        where = [
            _message.channel_id >= channel_id
            if after is None
            else position > tuple_(channel_id, after),
            _message.channel_id <= channel_id
            if before is None
            else position < tuple_(channel_id, before),
        ]
    else:
        where = [_message.channel_id == channel_id]
        where += [] if after is None else [_message.id > after]
        where += [] if before is None else [_message.id < before]
    order = (_message.channel_id, _message.id)
    return (
        select(*columns)
        .where(*where)
        .order_by(*(column.desc() for column in order) if newest_first else order)
    )


def _any(postgres: bool, *, after: Any | None, before: Any | None) -> Any:
    """Whether the channel holds a message between the bounds: an ordered LIMIT 1 scalar
    subquery, not EXISTS (PostgreSQL drops ORDER BY and LIMIT from an EXISTS and may then
    scan the whole table for a missing row)."""
    probe = _channel_range(
        postgres, [_message.id], after=after, before=before, newest_first=after is None
    )
    return probe.limit(1).scalar_subquery().is_not(None)


@cache
def _list_statement(postgres: bool, before: bool, after: bool) -> Select[Any]:
    return _channel_range(
        postgres,
        _ROW_COLUMNS,
        after=_param("after") if after else None,
        before=_param("before") if before else None,
        newest_first=not after,
    ).limit(_LIMIT)


@cache
def _page_statement(postgres: bool, before: bool, after: bool) -> Select[Any]:
    """`_list_statement` for a member only (`user_id`; an uncorrelated EXISTS, evaluated
    once), with a probe beyond each bound given: at or above `before` (from `newer_from` =
    before - 1), at or below `after` (up to `older_to` = after + 1)."""
    probes = []
    if before:
        probes.append(_any(postgres, after=_param("newer_from"), before=None))
    if after:
        probes.append(_any(postgres, after=None, before=_param("older_to")))
    listed = _list_statement(postgres, before, after).add_columns(*probes)
    return listed.where(_member_statement().exists())


@cache
def _offset_statement(postgres: bool) -> Select[Any]:
    newest = _channel_range(postgres, _ROW_COLUMNS, after=None, before=None, newest_first=True)
    return newest.offset(bindparam("offset", type_=Integer())).limit(_LIMIT)


@cache
def _member_statement() -> Select[Any]:
    return select(_member.user_id).where(
        _member.channel_id == _param("channel_id"), _member.user_id == _param("user_id")
    )


def _rows(result: Any) -> list[MessageRow]:
    return [MessageRow._make(row[:_WIDTH]) for row in result]


async def is_member(session: AsyncSession, channel_id: int, user_id: int) -> bool:
    found = await session.execute(
        _member_statement(), {"channel_id": channel_id, "user_id": user_id}
    )
    return found.first() is not None


def _bounds(channel_id: int, before: int | None, after: int | None) -> dict[str, int | None]:
    return {"channel_id": channel_id, "before": before, "after": after}


async def list_messages(
    session: AsyncSession,
    channel_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int,
) -> list[MessageRow]:
    """Keyset page on (channel_id, id): newest first, or (with `after`) the oldest `limit`
    newer than `after`, still returned newest first."""
    stmt = _list_statement(is_postgres(session), before is not None, after is not None)
    params = {**_bounds(channel_id, before, after), "limit": limit}
    rows = _rows(await session.execute(stmt, params))
    return rows[::-1] if after is not None else rows


async def page(
    session: AsyncSession,
    user_id: int,
    channel_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int,
) -> Page:
    """`list_messages` as `user_id` reads it (no rows unless a member: then ask `is_member`
    why) and whether messages lie beyond the page each way, in one statement. One row more
    than asked answers for the end the page is read from. For a bound given,
    a probe beyond it rides along as a column: nothing lies between the page and its bound,
    so a message at or above `before` is newer than the page, one at or below `after` older
    (no bound: nothing lies beyond that end but the extra row)."""
    stmt = _page_statement(is_postgres(session), before is not None, after is not None)
    params = {
        **_bounds(channel_id, before, after),
        "user_id": user_id,
        "limit": limit + 1,
        "newer_from": None if before is None else before - 1,
        # after = MAX_ID leaves the page empty, and then the probe is not read
        "older_to": None if after is None else min(after + 1, MAX_ID),
    }
    result = (await session.execute(stmt, params)).all()
    rows, more = _rows(result[:limit]), len(result) > limit
    probed = iter(result[0][_WIDTH:] if result else [False, False])
    newer = bool(next(probed)) if before is not None else False
    older = bool(next(probed)) if after is not None else False
    if after is None:  # read newest first
        return Page(rows, older=more, newer=newer)
    return Page(rows[::-1], older=older, newer=more or newer)


async def list_messages_offset(
    session: AsyncSession, channel_id: int, *, offset: int, limit: int
) -> list[MessageRow]:
    params = {"channel_id": channel_id, "offset": offset, "limit": limit}
    return _rows(await session.execute(_offset_statement(is_postgres(session)), params))
