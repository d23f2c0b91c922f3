"""an index covering the scan of upcoming places; one for expiring offers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLACES = ['association_id', 'status', 'starts_at', 'id', 'latitude', 'longitude', 'remote']


def upgrade() -> None:
    with op.batch_alter_table('missions') as batch_op:
        batch_op.create_index('ix_missions_upcoming_places', _PLACES, unique=False)
        batch_op.drop_index('ix_missions_association_status_starts')
    with op.batch_alter_table('signups') as batch_op:
        batch_op.create_index(
            'ix_signups_status_offer_expires', ['status', 'offer_expires_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('signups') as batch_op:
        batch_op.drop_index('ix_signups_status_offer_expires')
    with op.batch_alter_table('missions') as batch_op:
        batch_op.create_index(
            'ix_missions_association_status_starts',
            ['association_id', 'status', 'starts_at'],
            unique=False,
        )
        batch_op.drop_index('ix_missions_upcoming_places')
