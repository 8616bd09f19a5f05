"""kept aggregates for the dashboard (case_rollup, case_hours), filled from the cases; the
indexes the dashboard's remaining case queries read (liaisons of a period, open cases)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

# the counts as they were at this revision (0010 changed them): a migration must not read today's
ROLLUP_COUNTS = ("received", "closed", "on_time", "handled", "fed_back", "followed_up", "rated", "satisfied",
                 "first_rated", "first_satisfied", "reported", "returned", "dispatched", "accepted", "misrouted",
                 "open")
CHANNEL_COLUMNS = ("via_liaison_form", "via_hotline", "via_mailbox", "via_survey", "via_forum", "via_visit",
                   "via_reception", "via_direct_report")


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_rollup',
    sa.Column('span', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('township_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    *(sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in ROLLUP_COUNTS),
    *(sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in CHANNEL_COLUMNS),
    sa.PrimaryKeyConstraint('span', 'day', 'township_id', 'category_id', 'unit_id'),
    sqlite_with_rowid=False
    )
    op.create_table('case_hours',
    sa.Column('span', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('township_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('measure', sa.String(length=10), nullable=False),
    sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('span', 'day', 'township_id', 'measure', 'bucket'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_liaison_id')
        batch_op.create_index('ix_case_liaison_received', ['liaison_id', 'received_at'], unique=False)
        batch_op.drop_index('ix_case_status')
        batch_op.create_index('ix_case_status_received', ['status', 'received_at'], unique=False)
        batch_op.create_index('ix_case_township_status', ['township_id', 'status', 'received_at'], unique=False)
        batch_op.drop_index('ix_case_township_received')
        batch_op.create_index('ix_case_township_received', ['township_id', 'received_at', 'liaison_id'],
                              unique=False)
    from core import rollup  # the same SQL the app keeps them with, filling this revision's columns
    rollup.rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_township_received')
        batch_op.create_index('ix_case_township_received', ['township_id', 'received_at'], unique=False)
        batch_op.drop_index('ix_case_township_status')
        batch_op.drop_index('ix_case_status_received')
        batch_op.create_index('ix_case_status', ['status'], unique=False)
        batch_op.drop_index('ix_case_liaison_received')
        batch_op.create_index('ix_case_liaison_id', ['liaison_id'], unique=False)
    op.drop_table('case_hours')
    op.drop_table('case_rollup')
