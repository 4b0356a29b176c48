"""Message pages are served by `ix_message_channel_id_id` whatever the planner guesses.

On PostgreSQL a channel that holds most of the table, but whose newest rows are not the
table's newest, tempted the planner to walk the primary key backwards and filter on the
channel (issue #20). The plans of the statements the repository emits are checked on such a
table; the pages themselves are checked against a plain model on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from parley.db import make_engine
from parley.kit.ids import MAX_ID
from parley.kit.secrets import new_token
from parley.messaging import history_repository, repository
from parley.models import Channel, ChannelMember, User
from tests.conftest import ON_POSTGRES
from tests.support import databases

INDEX = "ix_message_channel_id_id"
# Shape of the skewed table: the big channel holds 80 % of the first TOTAL - TAIL rows,
# then only other channels are written to (TAIL rows), so its newest rows lie below them.
TOTAL, TAIL, OTHER_CHANNELS = 300_000, 60_000, 19

Probe = Callable[[AsyncSession, int, int], Awaitable[object]]


async def _new_channels(session: AsyncSession, count: int) -> list[int]:
    rows = await session.execute(
        insert(Channel).returning(Channel.id),
        [{"kind": "group", "name": f"page plans {n}", "encrypted": False} for n in range(count)],
    )
    return [row[0] for row in rows]


# PostgreSQL: the plans


@pytest.fixture(scope="module")
def skewed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An own database: the shared one stays small."""
    if not ON_POSTGRES:
        pytest.skip("plans are PostgreSQL's")
    with databases.test_database(tmp_path_factory.mktemp("plans")) as url:
        yield url


@pytest.fixture(scope="module")
async def skewed(skewed_url: str) -> AsyncIterator[tuple[AsyncEngine, int]]:
    """The skewed table; yields the engine and the big channel's id."""
    engine = make_engine(skewed_url)
    try:
        async with AsyncSession(engine) as session:
            big = (await _new_channels(session, 1 + OTHER_CHANNELS))[0]
            # The others are big + 1 .. big + OTHER_CHANNELS: one insert into a fresh database.
            await session.execute(
                text(
                    "INSERT INTO message (channel_id, content, created_at, mention_everyone) "
                    "SELECT CASE WHEN g <= :head AND g % 10 < 8 THEN :big "
                    "ELSE :big + 1 + g % :others END, 'skewed ' || g, now(), false "
                    "FROM generate_series(1, :total) AS g"
                ),
                {"head": TOTAL - TAIL, "big": big, "others": OTHER_CHANNELS, "total": TOTAL},
            )
            await session.commit()
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE message"))
            await conn.commit()
        yield engine, big
    finally:
        await engine.dispose()


def _scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if node.get("Relation Name") == "message":
        yield node
    for child in node.get("Plans", []):
        yield from _scans(child)


async def _plans(engine: AsyncEngine, probe: Probe, big: int) -> list[list[dict[str, Any]]]:
    """Run `probe` and EXPLAIN every statement it sent, with its parameters, as sent."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    async with AsyncSession(engine) as session:
        last = (await session.execute(text("SELECT max(id) FROM message"))).scalar_one()
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            await probe(session, big, last)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
        conn = await session.connection()
        plans = []
        for statement, parameters in sent:
            explained = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plans.append(list(_scans(explained.scalar_one()[0]["Plan"])))
    return plans


async def _newest(session: AsyncSession, channel_id: int, _last: int) -> object:
    return await history_repository.list_messages(session, channel_id, limit=50)


async def _before(session: AsyncSession, channel_id: int, last: int) -> object:
    return await history_repository.list_messages(session, channel_id, before=last - TAIL, limit=50)


async def _deep(session: AsyncSession, channel_id: int, _last: int) -> object:
    return await history_repository.list_messages(session, channel_id, before=1_000, limit=50)


async def _after(session: AsyncSession, channel_id: int, _last: int) -> object:
    return await history_repository.list_messages(session, channel_id, after=1_000, limit=50)


async def _between(session: AsyncSession, channel_id: int, last: int) -> object:
    return await history_repository.list_messages(
        session, channel_id, after=1_000, before=last, limit=50
    )


async def _offset(session: AsyncSession, channel_id: int, _last: int) -> object:
    return await history_repository.list_messages_offset(session, channel_id, offset=100, limit=50)


async def _page_newest(session: AsyncSession, channel_id: int, _last: int) -> object:
    return await history_repository.page(session, 0, channel_id, limit=50)


async def _page_before(session: AsyncSession, channel_id: int, last: int) -> object:
    # with the probe for newer messages at or above `before`
    return await history_repository.page(session, 0, channel_id, before=last - TAIL, limit=50)


async def _page_between(session: AsyncSession, channel_id: int, last: int) -> object:
    # with both probes
    return await history_repository.page(session, 0, channel_id, after=1_000, before=last, limit=50)


async def _page_after_newest(session: AsyncSession, channel_id: int, _last: int) -> object:
    # nothing of the channel lies above its newest message: the probe reads to the end
    newest = (await history_repository.list_messages(session, channel_id, limit=1))[0].id
    return await history_repository.page(session, 0, channel_id, after=newest, limit=50)


PROBES = [
    _newest,
    _before,
    _deep,
    _after,
    _between,
    _offset,
    _page_newest,
    _page_before,
    _page_between,
    _page_after_newest,
]


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.__name__.strip("_"))
async def test_every_page_statement_scans_the_channel_index(
    skewed: tuple[AsyncEngine, int], probe: Probe
) -> None:
    engine, big = skewed
    plans = await _plans(engine, probe, big)
    assert plans
    for scans in plans:
        assert scans, "the statement reads the message table"
        for scan in scans:
            assert scan["Node Type"] in {"Index Scan", "Index Only Scan"}, scan
            assert scan["Index Name"] == INDEX, scan
            assert "Filter" not in scan, scan


# both databases: the pages


Small = tuple[AsyncSession, dict[int, list[int]], int]


@pytest.fixture
async def small(database_url: str) -> AsyncIterator[Small]:
    """Three channels' messages interleaved in the shared database: the session, each
    channel's ids, oldest first, and a member of the three."""
    engine = make_engine(database_url)
    async with AsyncSession(engine) as session:
        channels = await _new_channels(session, 3)
        name = f"pages_{new_token(4).lower()}"
        user = User(username=name, username_lower=name, username_key=name)
        session.add(user)
        await session.flush()
        member = user.id
        session.add_all(ChannelMember(channel_id=c, user_id=member) for c in channels)
        rows = [{"channel_id": channels[n % 5 % 3], "content": f"m{n}"} for n in range(90)]
        inserted = await repository.insert_messages(session, rows)
        await session.commit()
        ids: dict[int, list[int]] = {c: [] for c in channels}
        for message in inserted:
            ids[message.channel_id].append(message.id)
        yield session, ids, member
    await engine.dispose()


async def test_pages_are_the_channel_keyset_pages(small: Small) -> None:
    session, ids, member = small
    for channel_id, own in ids.items():
        cursors = [None, own[0], own[len(own) // 2], own[-1], own[-1] + 1, 1, MAX_ID]
        for before in cursors:
            for after in cursors:
                for limit in (1, 7, 100):
                    inside = [
                        i
                        for i in own
                        if (before is None or i < before) and (after is None or i > after)
                    ]
                    expected = inside[:limit] if after is not None else inside[-limit:]
                    page = await history_repository.list_messages(
                        session, channel_id, before=before, after=after, limit=limit
                    )
                    assert [m.id for m in page] == expected[::-1], (before, after, limit)
                    assert {m.channel_id for m in page} <= {channel_id}
        newest_first = own[::-1]
        for offset in (0, 5, len(own)):
            page = await history_repository.list_messages_offset(
                session, channel_id, offset=offset, limit=10
            )
            assert [m.id for m in page] == newest_first[offset : offset + 10]
        for before in cursors:
            for after in cursors:
                for limit in (1, 7, 100):
                    page = await history_repository.page(
                        session, member, channel_id, before=before, after=after, limit=limit
                    )
                    plain = await history_repository.list_messages(
                        session, channel_id, before=before, after=after, limit=limit
                    )
                    assert page.rows == plain, (before, after, limit)
                    if page.rows:
                        beyond = (page.rows[-1].id > own[0], page.rows[0].id < own[-1])
                        assert (page.older, page.newer) == beyond, (before, after, limit)
                    stranger = await history_repository.page(
                        session, member + 1, channel_id, before=before, after=after, limit=limit
                    )
                    assert stranger.rows == []
