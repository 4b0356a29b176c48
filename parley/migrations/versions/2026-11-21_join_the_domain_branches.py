"""join the domain branches

Revision ID: b2d07a88fd4a
Revises: 15dfd7bed20e, 910156ffa5f2, 311ec78494b0, c37695acabd5
Create Date: 2026-11-21 08:00:01.272154+00:00
"""

from collections.abc import Sequence

revision: str = 'b2d07a88fd4a'
down_revision: str | Sequence[str] | None = ('15dfd7bed20e', '910156ffa5f2', '311ec78494b0', 'c37695acabd5')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
