"""outbox keys compared by their bytes on PostgreSQL (a prefix is then a range of the index)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite compares text by its bytes already (BINARY).
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column(
            'outbox',
            'key',
            type_=sa.String(length=160, collation='C'),
            existing_type=sa.String(length=160),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column(
            'outbox',
            'key',
            type_=sa.String(length=160),
            existing_type=sa.String(length=160, collation='C'),
            existing_nullable=False,
        )
