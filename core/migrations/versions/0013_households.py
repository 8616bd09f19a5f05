"""一户一档: a household's group (村民小组) and whether it is still on file, its phone indexed for
the cases it reported

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index(batch_op.f('ix_household_phone'), ['phone'], unique=False)
    with op.batch_alter_table('household', schema=None) as batch_op:  # the defaults only filled the rows there were
        batch_op.alter_column('group_name', server_default=None)
        batch_op.alter_column('active', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_phone'))
        batch_op.drop_column('active')
        batch_op.drop_column('group_name')
