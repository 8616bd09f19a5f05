"""kept counts for figures that must not flatter: closed cases with a deadline (the on-time
rate's base; those without are shown apart), cases a unit took on (an imported closed case
counts), imported cases (liaison participation is not applicable to them); refilled from the cases

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_rollup', schema=None) as batch_op:
        batch_op.alter_column('accepted', new_column_name='taken_on')
        batch_op.add_column(sa.Column('closed_with_deadline', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('imported', sa.Integer(), server_default='0', nullable=False))
    from core import rollup
    rollup.rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('case_rollup', schema=None) as batch_op:
        batch_op.drop_column('imported')
        batch_op.drop_column('closed_with_deadline')
        batch_op.alter_column('taken_on', new_column_name='accepted')
    from core import rollup
    rollup.rebuild(op.get_bind())
