"""send slots shared by the instances of one bot

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('send_slots',
    sa.Column('bucket', sa.String(length=80), nullable=False),
    sa.Column('next_free', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bucket', name=op.f('pk_send_slots'))
    )


def downgrade() -> None:
    op.drop_table('send_slots')
