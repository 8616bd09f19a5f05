"""workflow engine tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('time_limit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('tier', sa.String(length=11), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('category_id', 'tier', name='uq_time_limit_category_tier')
    )
    op.create_table('circular',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('circular', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circular_unit_id'), ['unit_id'], unique=False)

    op.create_table('extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('old_due_at', sa.DateTime(), nullable=False),
    sa.Column('requested_due_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_case_id'), ['case_id'], unique=False)

    op.create_table('handling_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('truthful', sa.String(length=10), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('liaison_opinion', sa.Text(), nullable=False),
    sa.Column('responsible_person', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=True),
    sa.Column('return_reason', sa.String(length=16), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handling_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handling_report_case_id'), ['case_id'], unique=False)

    # plain ADD COLUMN: SQLite does it in place, where a batch operation would copy the whole
    # case table (minutes on a million cases)
    op.add_column('case', sa.Column('misroute_count', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('case', sa.Column('circular_due', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('case', sa.Column('follow_up_note', sa.Text(), nullable=True))
    op.add_column('case', sa.Column('responsible_signoff', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    op.add_column('case', sa.Column('leader_signoff', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    op.create_index('ix_case_circular_due', 'case', ['circular_due'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_circular_due', table_name='case')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('leader_signoff')
        batch_op.drop_column('responsible_signoff')
        batch_op.drop_column('follow_up_note')
        batch_op.drop_column('circular_due')
        batch_op.drop_column('misroute_count')

    with op.batch_alter_table('handling_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handling_report_case_id'))

    op.drop_table('handling_report')
    with op.batch_alter_table('extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_case_id'))

    op.drop_table('extension')
    with op.batch_alter_table('circular', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circular_unit_id'))

    op.drop_table('circular')
    op.drop_table('time_limit')
    op.drop_table('calendar_override')
