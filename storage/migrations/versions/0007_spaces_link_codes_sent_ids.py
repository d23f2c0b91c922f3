"""spaces, link codes, the platform id of sent outbox messages, memberships last used

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('spaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('space_id', sa.String(length=64), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('coordinator_role_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_spaces_association_id_associations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spaces')),
    sa.UniqueConstraint('platform', 'space_id', name=op.f('uq_spaces_platform'))
    )
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spaces_association_id'), ['association_id'], unique=False)

    op.create_table('link_codes',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('expires_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_link_codes_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['volunteers.id'], name=op.f('fk_link_codes_created_by_volunteers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_link_codes'))
    )
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_codes_association_id'), ['association_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_message_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', storage.models.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('sent_message_id')
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_codes_association_id'))
    op.drop_table('link_codes')
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spaces_association_id'))
    op.drop_table('spaces')
