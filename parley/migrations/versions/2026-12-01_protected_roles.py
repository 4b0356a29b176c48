"""protected roles

Revision ID: 5e0c1d2f7a91
Revises: b2d07a88fd4a
Create Date: 2026-12-01 10:15:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e0c1d2f7a91'
down_revision: str | Sequence[str] | None = 'b2d07a88fd4a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('protected', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.drop_column('protected')
