"""join the chat features and identity branches

Revision ID: be919ef59909
Revises: 3715dc51bbf3, 768910506b36
Create Date: 2026-12-01 11:10:56.303713+00:00
"""

from collections.abc import Sequence

revision: str = 'be919ef59909'
down_revision: str | Sequence[str] | None = ('3715dc51bbf3', '768910506b36')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
