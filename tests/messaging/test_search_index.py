"""PostgreSQL's message search index takes a new message's words at once: with GIN's default
`fastupdate` they would wait in a pending list (up to 4 MB) that every search scans in full
until a vacuum merges it (on 1,000,000 messages: 8-20 ms of each search)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from parley.db import make_engine
from parley.models.message_search import PG_INDEX
from tests.conftest import ON_POSTGRES


async def test_the_search_index_has_no_pending_list(database_url: str) -> None:
    if not ON_POSTGRES:
        pytest.skip("FTS5 has no pending list")
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            options = await conn.scalar(
                text("SELECT reloptions FROM pg_class WHERE relname = :name"), {"name": PG_INDEX}
            )
    finally:
        await engine.dispose()
    assert "fastupdate=off" in (options or [])
