"""early warning: acknowledged alerts, editable settings, indexes for re-reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_ack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_key', sa.String(length=80), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_key')
    )
    op.create_table('app_setting',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )


    op.create_index('ix_case_village_category_closed', 'case', ['village_id', 'category_id', 'closed_at'])
    op.create_index('ix_case_township_category_closed', 'case', ['township_id', 'category_id', 'closed_at'])


def downgrade() -> None:
    op.drop_index('ix_case_township_category_closed', table_name='case')
    op.drop_index('ix_case_village_category_closed', table_name='case')
    op.drop_table('app_setting')
    op.drop_table('alert_ack')
