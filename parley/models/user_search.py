"""Index for case-insensitive username prefix search (`LIKE 'abc%'` on PostgreSQL).

`varchar_pattern_ops` lets PostgreSQL use a btree for `LIKE` prefixes under any collation;
SQLite searches by range over the unique index on `username_lower` instead.
"""

from __future__ import annotations

from sqlalchemy import Index

from parley.models.user import User

user_username_prefix_index = Index(
    "ix_user_username_lower_prefix",
    User.__table__.c.username_lower,
    postgresql_ops={"username_lower": "varchar_pattern_ops"},
)
