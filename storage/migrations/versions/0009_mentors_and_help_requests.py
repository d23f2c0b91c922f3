"""mentors, help requests, tutorial drafts and mentor pairs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('association_channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=12), nullable=False, server_default='announce'))

    op.create_table('mentors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('availability', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_mentors_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_mentors_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentors')),
    sa.UniqueConstraint('volunteer_id', 'association_id', name=op.f('uq_mentors_volunteer_id'))
    )
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentors_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentors_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.String(length=500), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('taken_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('helped', sa.Boolean(), nullable=True),
    sa.Column('reported', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_help_requests_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['volunteers.id'], name=op.f('fk_help_requests_mentor_id_volunteers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_help_requests_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests'))
    )
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index('ix_help_requests_association_status', ['association_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('kb_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('question', sa.String(length=500), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_kb_drafts_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['volunteers.id'], name=op.f('fk_kb_drafts_created_by_volunteers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_drafts'))
    )
    with op.batch_alter_table('kb_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_kb_drafts_association_status', ['association_id', 'status'], unique=False)

    op.create_table('pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('newcomer_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_pairs_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['volunteers.id'], name=op.f('fk_pairs_mentor_id_volunteers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['newcomer_id'], ['volunteers.id'], name=op.f('fk_pairs_newcomer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairs'))
    )
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.create_index('ix_pairs_association_newcomer', ['association_id', 'newcomer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairs_mentor_id'), ['mentor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('association_channels', schema=None) as batch_op:
        batch_op.drop_column('purpose')
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairs_mentor_id'))
        batch_op.drop_index('ix_pairs_association_newcomer')
    op.drop_table('pairs')
    with op.batch_alter_table('kb_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_drafts_association_status')
    op.drop_table('kb_drafts')
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_requests_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_help_requests_mentor_id'))
        batch_op.drop_index('ix_help_requests_association_status')
    op.drop_table('help_requests')
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentors_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_mentors_association_id'))
    op.drop_table('mentors')
