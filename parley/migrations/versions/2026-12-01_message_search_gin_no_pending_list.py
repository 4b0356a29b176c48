"""message search GIN index without a pending list

PostgreSQL only: `fastupdate = off` on `ix_message_search_vector`, so a new message's words
go straight into the index instead of an unsorted pending list (up to 4 MB by default) that
every search scans in full until a vacuum or an insert that overflows it merges the list.
The list already there is merged now. SQLite (FTS5): nothing to do.

Revision ID: 9d3a61c0f7b2
Revises: 63dbd5114b8d
Create Date: 2026-12-01 16:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '9d3a61c0f7b2'
down_revision: str | Sequence[str] | None = '63dbd5114b8d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_message_search_vector SET (fastupdate = off)")
        op.execute("SELECT gin_clean_pending_list('ix_message_search_vector')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_message_search_vector RESET (fastupdate)")
