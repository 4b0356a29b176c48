"""create provider tables

Revision ID: 910156ffa5f2
Revises: 9474a40c7a7d
Create Date: 2026-11-21 06:20:25.963350+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import parley.models.base
from sqlalchemy.dialects import postgresql
revision: str = '910156ffa5f2'
down_revision: str | Sequence[str] | None = '9474a40c7a7d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('telegram_login_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('telegram_user_id', sa.String(length=32), nullable=False),
    sa.Column('profile', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_login_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_telegram_login_code_code_hash'))
    )
    with op.batch_alter_table('telegram_login_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_login_code_expires_at'), ['expires_at'], unique=False)

    op.create_table('external_identity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('profile', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=True),
    sa.Column('created_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', parley.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_external_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identity')),
    sa.UniqueConstraint('provider', 'external_id', name=op.f('uq_external_identity_provider')),
    sa.UniqueConstraint('user_id', 'provider', name=op.f('uq_external_identity_user_id'))
    )


def downgrade() -> None:
    op.drop_table('external_identity')
    with op.batch_alter_table('telegram_login_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_login_code_expires_at'))

    op.drop_table('telegram_login_code')
