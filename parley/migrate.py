"""Programmatic alembic: `parley db upgrade`, `serve` on the embedded default, tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from parley.db import make_engine
from parley.kit.files import private_sqlite_file

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    config.set_main_option("timezone", "UTC")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)


def pending(database_url: str, revision: str = "head") -> list[str]:
    """The revisions an upgrade to `revision` would apply, oldest first."""
    now, _ = current(database_url)
    script = ScriptDirectory.from_config(alembic_config(database_url))
    steps = script.iterate_revisions(revision, now or "base")
    return [step.revision for step in reversed(list(steps))]


def upgrade_stepwise(database_url: str, revision: str = "head") -> Iterator[str]:
    """`upgrade`, one revision at a time, yielding each after it is applied (for progress)."""
    for step in pending(database_url, revision):
        upgrade(database_url, step)
        yield step


def check(database_url: str) -> None:
    """Fail when the models and the migrations disagree."""
    command.check(alembic_config(database_url))


def current(database_url: str) -> tuple[str | None, str | None]:
    """The database's revision (None without a schema) and the migrations' head."""
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    return asyncio.run(_current_revision(database_url)), head


async def _current_revision(database_url: str) -> str | None:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revision_of)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
