"""knowledge base questions and feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:11:32.157350
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kb_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=True),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('tutorial_id', sa.String(length=80), nullable=True),
    sa.Column('suggestions', sa.JSON(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('wants_human', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_kb_questions_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], name=op.f('fk_kb_questions_volunteer_id_volunteers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_questions'))
    )
    with op.batch_alter_table('kb_questions', schema=None) as batch_op:
        batch_op.create_index('ix_kb_questions_association_created', ['association_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_questions_volunteer_id'), ['volunteer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kb_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_questions_volunteer_id'))
        batch_op.drop_index('ix_kb_questions_association_created')

    op.drop_table('kb_questions')
