"""create identity tables

Revision ID: 9474a40c7a7d
Revises: 
Create Date: 2026-11-21 06:08:53.514143+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import parley.models.base
from sqlalchemy.dialects import postgresql
revision: str = '9474a40c7a7d'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('user',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('username_lower', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('email_verified_at', parley.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('second_name', sa.String(length=100), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=200), nullable=True),
    sa.Column('contacts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('locale', sa.String(length=35), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('avatar_key', sa.String(length=255), nullable=True),
    sa.Column('profile_version', sa.Integer(), nullable=False),
    sa.Column('created_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', parley.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email')),
    sa.UniqueConstraint('username_lower', name=op.f('uq_user_username_lower'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_event_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_user_id'), ['user_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('surface', sa.String(length=20), nullable=False),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', parley.models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', parley.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.Column('refresh_hash', sa.String(length=64), nullable=True),
    sa.Column('previous_refresh_hash', sa.String(length=64), nullable=True),
    sa.Column('refresh_rotated_at', parley.models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('refresh_counter', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('refresh_hash', name=op.f('uq_user_session_refresh_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_previous_refresh_hash'), ['previous_refresh_hash'], unique=False)
        batch_op.create_index('ix_user_session_user_id_revoked_at', ['user_id', 'revoked_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_id_revoked_at')
        batch_op.drop_index(batch_op.f('ix_user_session_previous_refresh_hash'))

    op.drop_table('user_session')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_created_at'))

    op.drop_table('audit_event')
    op.drop_table('user')

