"""profiles, account-linking codes and the coordinators' audit log

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('interests', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('failed_codes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('failed_codes_at', storage.models.UtcDateTime(timezone=True), nullable=True))

    op.create_table('account_codes',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_account_codes_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_account_codes'))
    )
    with op.batch_alter_table('account_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_codes_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['volunteers.id'], name=op.f('fk_audit_log_actor_id_volunteers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_audit_log_association_id_associations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_association_created', ['association_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_association_created')
    op.drop_table('audit_log')
    with op.batch_alter_table('account_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_codes_volunteer_id'))
    op.drop_table('account_codes')
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_column('failed_codes_at')
        batch_op.drop_column('failed_codes')
        batch_op.drop_column('interests')
        batch_op.drop_column('area')
