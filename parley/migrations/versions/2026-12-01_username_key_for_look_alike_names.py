"""username key for look-alike names

Adds `user.username_key` (NFKC + case folding + confusables, see
`parley.identity.accounts.validation.username_key`) with a unique constraint, filled for existing
accounts. Existing accounts whose names already collide keep working: every one after the
first (by id) gets its key suffixed with `#<id>`, which no valid username can produce.

Revision ID: 57938a11a6aa
Revises: be919ef59909
Create Date: 2026-12-01 10:59:01.983323+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from parley.identity.accounts.validation import username_key

revision: str = '57938a11a6aa'
down_revision: str | Sequence[str] | None = 'be919ef59909'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=128), nullable=True))
    users = sa.table(
        'user', sa.column('id', sa.BigInteger), sa.column('username', sa.String),
        sa.column('username_key', sa.String),
    )
    connection = op.get_bind()
    seen: set[str] = set()
    rows = connection.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id))
    for user_id, username in rows.all():
        key = username_key(username)[:100]
        if key in seen:
            key = f"{key}#{user_id}"
        seen.add(key)
        connection.execute(
            users.update().where(users.c.id == user_id).values(username_key=key)
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=128), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_username_key'), ['username_key'])


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_username_key'), type_='unique')
        batch_op.drop_column('username_key')
