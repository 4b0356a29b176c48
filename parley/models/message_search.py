"""The full-text index of messages lives outside the ORM models (it differs per database):
PostgreSQL keeps a generated `tsvector` column on `message` with a GIN index, SQLite an FTS5
table kept by triggers. Migrations create it; model comparison leaves it alone."""

from __future__ import annotations

# PostgreSQL's "russian" configuration stems Cyrillic words with the Russian Snowball stemmer
# and Latin-letter words with the English one (and drops both languages' stop words): one
# configuration handles English and Russian text, for the stored vector and the query alike.
PG_CONFIG = "russian"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_message_search_vector"
FTS_TABLE = "message_fts"


def is_search_index(kind: str, name: str | None) -> bool:
    """Whether a reflected database object belongs to the message search index."""
    name = name or ""
    if kind == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    if kind == "column":
        return name == PG_COLUMN
    if kind == "index":
        return name == PG_INDEX
    return False
