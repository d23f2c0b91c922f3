"""initial schema: volunteers, identities, associations, memberships, conversation state

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 07:59:25.942909
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('associations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_associations')),
    sa.UniqueConstraint('slug', name=op.f('uq_associations_slug'))
    )
    op.create_table('volunteers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteers'))
    )
    op.create_table('conversation_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('chat_key', sa.String(length=96), nullable=False),
    sa.Column('dialogue', sa.String(length=64), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_conversation_states_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_states')),
    sa.UniqueConstraint('volunteer_id', 'chat_key', name=op.f('uq_conversation_states_volunteer_id'))
    )
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_states_updated_at', ['updated_at'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_memberships_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_memberships_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('volunteer_id', 'association_id', name=op.f('uq_memberships_volunteer_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('platform_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('platform_user_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_platform_identities_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_identities')),
    sa.UniqueConstraint('platform', 'platform_user_id', name=op.f('uq_platform_identities_platform'))
    )
    with op.batch_alter_table('platform_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_identities_volunteer_id'), ['volunteer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('platform_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_identities_volunteer_id'))

    op.drop_table('platform_identities')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_association_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_states_updated_at')

    op.drop_table('conversation_states')
    op.drop_table('volunteers')
    op.drop_table('associations')
