"""numbers a county can trust: call-back checks (回访抽查: the month's draw with its seed, and each
drawn case's call), the record of who changed which county setting, the month's topic (每月一题)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Integer(), nullable=False),
    sa.Column('min_per_unit', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('population_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month')
    )
    op.create_table('setting_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('old_value', sa.Integer(), nullable=False),
    sa.Column('new_value', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('setting_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_setting_change_key'), ['key'], unique=False)

    op.create_table('callback_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('reported_rating', sa.String(length=23), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=True),
    sa.Column('resident_rating', sa.String(length=23), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['draw_id'], ['callback_draw.id'], ),
    sa.ForeignKeyConstraint(['township_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('draw_id', 'case_id')
    )
    with op.batch_alter_table('callback_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_check_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_check_draw_id'), ['draw_id'], unique=False)

    op.create_table('monthly_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('words', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.Column('chosen_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['township_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month')
    )



def downgrade() -> None:
    op.drop_table('monthly_topic')
    with op.batch_alter_table('callback_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_check_draw_id'))
        batch_op.drop_index(batch_op.f('ix_callback_check_case_id'))

    op.drop_table('callback_check')
    with op.batch_alter_table('setting_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_setting_change_key'))

    op.drop_table('setting_change')
    op.drop_table('callback_draw')
