"""Alembic environment: runs migrations over the async engine of PARLEY_DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from parley.db import make_engine
from parley.models import Base
from parley.models.message_search import is_search_index

config = context.config
target_metadata = Base.metadata


def _include(
    obj: object,  # noqa: ARG001
    name: str | None,
    kind: str,
    reflected: bool,
    compare_to: object,
) -> bool:
    """Model comparison skips the message search index (see parley.models.message_search)."""
    return not (reflected and compare_to is None and is_search_index(kind, name))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by parley.migrate"
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async(url))


run()
