"""missions and sign-ups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:40:51
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('missions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('starts_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('arrivals', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('bring', sa.String(length=300), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cancel_reason', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_missions_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['volunteers.id'], name=op.f('fk_missions_created_by_volunteers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missions'))
    )
    with op.batch_alter_table('missions', schema=None) as batch_op:
        batch_op.create_index('ix_missions_association_status_starts', ['association_id', 'status', 'starts_at'], unique=False)

    op.create_table('signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('arrival', sa.Integer(), nullable=False),
    sa.Column('offer_expires_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mission_id'], ['missions.id'], name=op.f('fk_signups_mission_id_missions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_signups_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signups')),
    sa.UniqueConstraint('mission_id', 'volunteer_id', name=op.f('uq_signups_mission_id'))
    )
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.create_index('ix_signups_mission_status_arrival', ['mission_id', 'status', 'arrival'], unique=False)
        batch_op.create_index(batch_op.f('ix_signups_volunteer_id'), ['volunteer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signups_volunteer_id'))
        batch_op.drop_index('ix_signups_mission_status_arrival')

    op.drop_table('signups')
    with op.batch_alter_table('missions', schema=None) as batch_op:
        batch_op.drop_index('ix_missions_association_status_starts')

    op.drop_table('missions')
