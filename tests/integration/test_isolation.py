"""Every test starts from the migrated database (tests/conftest.py): the rows one test
writes are gone for the next, the migrations' seed rows are back, and no id is handed out
twice; a `shared_database` test leaves its rows to the next one."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text

from parley.models import Base, DataVersion, User
from parley.runtime import Runtime
from tests.conftest import Resets
from tests.support.accounts import new_account

NAME = "isolation_probe"
# the highest user id the first test saw, when this worker ran it
_seen: dict[str, int] = {}


async def rows_by_table(runtime: Runtime) -> dict[str, int]:
    async with runtime.db.sessionmaker() as session:
        return {
            table.name: (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
            for table in Base.metadata.sorted_tables
        }


async def test_a_test_writes_rows_and_changes_a_seed_row(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    account = await new_account(client, NAME)
    async with runtime.db.unit_of_work() as session:
        await session.execute(text("UPDATE data_version SET version = 41"))
    counts = await rows_by_table(runtime)
    assert counts["user"] == 1  # nobody else's: the test started from a clean database
    assert counts["user_session"] == 1
    _seen["user_id"] = account.id


async def test_the_next_test_finds_only_the_seed_rows(runtime: Runtime) -> None:
    counts = await rows_by_table(runtime)
    assert {name: count for name, count in counts.items() if count} == {"data_version": 1}
    async with runtime.db.sessionmaker() as session:
        versions = (await session.execute(select(DataVersion.name, DataVersion.version))).all()
    assert [tuple(row) for row in versions] == [("schedule", 0)]


async def test_ids_go_on_after_a_reset(client: httpx.AsyncClient) -> None:
    if "user_id" not in _seen:
        pytest.skip("the writing test ran on another worker")
    account = await new_account(client, NAME)
    assert account.id > _seen["user_id"]


@pytest.mark.shared_database
async def test_a_shared_database_test_leaves_its_rows(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await new_account(client, "kept")
    _seen["kept"] = 1


@pytest.mark.shared_database
async def test_the_next_shared_database_test_sees_them(runtime: Runtime, resets: Resets) -> None:
    if "kept" not in _seen or not resets.shared_rows_left:
        pytest.skip("the first shared test did not run just before, on this worker")
    async with runtime.db.sessionmaker() as session:
        names = (await session.execute(select(User.username))).scalars().all()
    assert [name.split("_")[0] for name in names] == ["kept"]


async def test_an_unmarked_test_after_them_starts_clean(runtime: Runtime) -> None:
    assert (await rows_by_table(runtime))["user"] == 0
