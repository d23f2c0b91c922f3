"""an index on every column naming a person: erasing one no longer reads whole tables

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ('missions', 'created_by'),
    ('announcements', 'created_by'),
    ('link_codes', 'created_by'),
    ('audit_log', 'actor_id'),
    ('kb_drafts', 'created_by'),
    ('pairs', 'newcomer_id'),
)


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(_COLUMNS):
        op.drop_index(f'ix_{table}_{column}', table_name=table)
