"""audit actor and kind index

Adds `audit_event.actor_id` (the administrator who acted on the account) and an index on
(kind, id) for the admin console's audit log filtered by event.

Revision ID: b464f0584d23
Revises: 4352e58a51ab
Create Date: 2026-12-01 13:26:17.194380+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b464f0584d23'
down_revision: str | Sequence[str] | None = '4352e58a51ab'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_event_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_actor_id_user'), 'user', ['actor_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_actor_id_user'), type_='foreignkey')
        batch_op.drop_index('ix_audit_event_kind_id')
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
        batch_op.drop_column('actor_id')
