"""a county from zero: leaders' portfolios and contact details, unit contacts, liaison links and
contacts, entered official holiday schedules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('unit', sa.Column('contact_name', sa.String(length=40), nullable=True))
    op.add_column('leader', sa.Column('phone', sa.String(length=30), nullable=True))
    op.add_column('leader', sa.Column('email', sa.String(length=120), nullable=True))
    op.create_table('leader_portfolio',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.ForeignKeyConstraint(['leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['township_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('leader_id', 'category_id', 'township_id', name='uq_leader_portfolio')
    )
    op.create_index('ix_leader_portfolio_leader_id', 'leader_portfolio', ['leader_id'])
    op.create_table('liaison_link',
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('liaison_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['liaison_id'], ['liaison.id'], ),
    sa.PrimaryKeyConstraint('leader_id', 'liaison_id')
    )
    op.create_table('liaison_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('liaison_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=11), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['leader_id'], ['leader.id'], ),
    sa.ForeignKeyConstraint(['liaison_id'], ['liaison.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_liaison_contact_leader_id', 'liaison_contact', ['leader_id'])
    op.create_index('ix_liaison_contact_liaison_id', 'liaison_contact', ['liaison_id'])
    op.create_index('ix_liaison_contact_on', 'liaison_contact', ['on'])
    op.create_table('public_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('makeup_days', sa.String(length=200), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'name', name='uq_public_holiday_year_name')
    )
    op.create_index('ix_public_holiday_year', 'public_holiday', ['year'])


def downgrade() -> None:
    op.drop_index('ix_public_holiday_year', table_name='public_holiday')
    op.drop_table('public_holiday')
    op.drop_index('ix_liaison_contact_on', table_name='liaison_contact')
    op.drop_index('ix_liaison_contact_liaison_id', table_name='liaison_contact')
    op.drop_index('ix_liaison_contact_leader_id', table_name='liaison_contact')
    op.drop_table('liaison_contact')
    op.drop_table('liaison_link')
    op.drop_index('ix_leader_portfolio_leader_id', table_name='leader_portfolio')
    op.drop_table('leader_portfolio')
    op.drop_column('leader', 'email')
    op.drop_column('leader', 'phone')
    op.drop_column('unit', 'contact_name')
