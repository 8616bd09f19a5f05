"""reception days: stored occurrences keyed by rule and date, leader confirmation and
substitution, notices, interview-day groups, and the visitors' ledger

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

def new_columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column('kind', sa.String(length=19), nullable=True),
        sa.Column('campaign', sa.String(length=80), nullable=True),
        sa.Column('group_name', sa.String(length=40), nullable=True),
        sa.Column('village_id', sa.Integer(), sa.ForeignKey('unit.id', name='fk_receptionday_village'), nullable=True),
        sa.Column('end_time', sa.Time(), nullable=True),
        sa.Column('notice_days', sa.Integer(), nullable=True),
        sa.Column('leader_confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('unavailable_reason', sa.String(length=120), nullable=True),
        sa.Column('notice_leader_id', sa.Integer(), sa.ForeignKey('leader.id', name='fk_receptionday_notice_leader'), nullable=True),
        sa.Column('attendance', sa.Integer(), nullable=False, server_default='0'),
    )


def upgrade() -> None:
    # receptionday holds a few rows per day: batch mode (a table copy on SQLite) is cheap here and
    # keeps the foreign keys, which SQLite cannot add in place
    with op.batch_alter_table('receptionday') as batch:
        for column in new_columns():
            batch.add_column(column)
        batch.create_unique_constraint('uq_receptionday_rule_date', ['rule_id', 'original_date'])
    op.create_table('reception_visitor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reception_day_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('demand', sa.Text(), nullable=False),
    sa.Column('on_site_answer', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['reception_day_id'], ['receptionday.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reception_visitor_reception_day_id', 'reception_visitor', ['reception_day_id'], unique=False)
    op.create_index('ix_case_reception_day_id', 'case', ['reception_day_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_reception_day_id', table_name='case')
    op.drop_index('ix_reception_visitor_reception_day_id', table_name='reception_visitor')
    op.drop_table('reception_visitor')
    with op.batch_alter_table('receptionday') as batch:
        batch.drop_constraint('uq_receptionday_rule_date', type_='unique')
        for column in reversed(new_columns()):
            batch.drop_column(column.name)
