"""The username_key migration fills the key for existing accounts, and accounts whose names
already collide keep working (#13 item 10). SQLite scratch database; CI's `parley db check`
covers the schema on PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio

from parley import migrate

BEFORE = "be919ef59909"


def migrate_with_users(path: Path) -> list[tuple[int, str]]:
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url, BEFORE)
    with sqlite3.connect(path) as db:
        for name in ("alice", "\uff41\uff4c\uff49\uff43\uff45", "bob"):
            db.execute(
                "INSERT INTO user (username, username_lower, contacts, profile_version,"
                " created_at, updated_at) VALUES (?, ?, '{}', 1, '2026-01-01', '2026-01-01')",
                (name, name.lower()),
            )
    migrate.upgrade(url)
    with sqlite3.connect(path) as db:
        return list(db.execute("SELECT id, username_key FROM user ORDER BY id"))


async def test_existing_rows_get_their_key_and_old_collisions_stay_distinct(
    tmp_path: Path,
) -> None:
    rows = await anyio.to_thread.run_sync(migrate_with_users, tmp_path / "m.db")
    (_, alice), (second, fullwidth), (_, bob) = rows
    assert alice == "a1ice"
    assert fullwidth == f"a1ice#{second}"
    assert bob == "bob"
