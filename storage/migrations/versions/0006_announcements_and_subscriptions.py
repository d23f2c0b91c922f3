"""announcements and subscriptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:05:33.704617
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=4000), nullable=False),
    sa.Column('audience', sa.String(length=8), nullable=False),
    sa.Column('audience_value', sa.String(length=40), nullable=False),
    sa.Column('audience_label', sa.String(length=200), nullable=False),
    sa.Column('post_in_groups', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.Column('report_platform', sa.String(length=16), nullable=True),
    sa.Column('report_chat_id', sa.String(length=64), nullable=True),
    sa.Column('report_message_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', storage.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_announcements_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['volunteers.id'], name=op.f('fk_announcements_created_by_volunteers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sa.UniqueConstraint('key', name=op.f('uq_announcements_key'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_association_created', ['association_id', 'created_at'], unique=False)

    op.create_table('association_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_association_channels_association_id_associations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_association_channels')),
    sa.UniqueConstraint('platform', 'chat_id', name=op.f('uq_association_channels_platform'))
    )
    with op.batch_alter_table('association_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_association_channels_association_id'), ['association_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=True),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_subscriptions_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_subscriptions_volunteer_id_volunteers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('volunteer_id', 'association_id', 'scope', 'value', name=op.f('uq_subscriptions_volunteer_id'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_association_scope_value', ['association_id', 'scope', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_volunteer_id'), ['volunteer_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_group', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('bulk', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('edit_message_id', sa.String(length=64), nullable=True))
        batch_op.alter_column('volunteer_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_index(batch_op.f('ix_outbox_platform_status_due'))
        batch_op.create_index('ix_outbox_announcement_status', ['announcement_id', 'status'], unique=False)
        batch_op.create_index('ix_outbox_platform_status_bulk_due', ['platform', 'status', 'bulk', 'due_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_announcement_id_announcements'), 'announcements', ['announcement_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('platform_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unreachable_at', storage.models.UtcDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('platform_identities', schema=None) as batch_op:
        batch_op.drop_column('unreachable_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_announcement_id_announcements'), type_='foreignkey')
        batch_op.drop_index('ix_outbox_platform_status_bulk_due')
        batch_op.drop_index('ix_outbox_announcement_status')
        batch_op.create_index(batch_op.f('ix_outbox_platform_status_due'), ['platform', 'status', 'due_at'], unique=False)
        batch_op.alter_column('volunteer_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('edit_message_id')
        batch_op.drop_column('bulk')
        batch_op.drop_column('is_group')
        batch_op.drop_column('announcement_id')

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_volunteer_id'))
        batch_op.drop_index('ix_subscriptions_association_scope_value')

    op.drop_table('subscriptions')
    with op.batch_alter_table('association_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_association_channels_association_id'))

    op.drop_table('association_channels')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_association_created')

    op.drop_table('announcements')
