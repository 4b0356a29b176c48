"""message search index

PostgreSQL: a generated tsvector column on message (configuration "russian": Russian
stemming for Cyrillic words, English for Latin ones) and its GIN index. SQLite: an FTS5
table over message.content (external content, porter stemming over unicode61 without
diacritics) kept by triggers, filled from the existing messages.

Revision ID: 5c0f4e1a9b27
Revises: 7e9ea0bbdae3
Create Date: 2026-12-01 10:05:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '5c0f4e1a9b27'
down_revision: str | Sequence[str] | None = '7e9ea0bbdae3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(content, content='message', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF content ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER message_fts_update",
    "DROP TRIGGER message_fts_delete",
    "DROP TRIGGER message_fts_insert",
    "DROP TABLE message_fts",
]
_POSTGRES_UP = [
    "ALTER TABLE message ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('russian'::regconfig, coalesce(content, ''))) STORED",
    "CREATE INDEX ix_message_search_vector ON message USING gin (search_vector)",
]
_POSTGRES_DOWN = [
    "DROP INDEX ix_message_search_vector",
    "ALTER TABLE message DROP COLUMN search_vector",
]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": _SQLITE_UP, "postgresql": _POSTGRES_UP})


def downgrade() -> None:
    _run({"sqlite": _SQLITE_DOWN, "postgresql": _POSTGRES_DOWN})
