"""trust: sign-in attempts (lockout), per-client progress lookups, per-user token version (revocable
sessions and cookies)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user', sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('lookup_attempt', sa.Column('client', sa.String(length=64), nullable=True))
    op.create_index('ix_lookup_attempt_client', 'lookup_attempt', ['client'], unique=False)
    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sign_in_attempt_username', 'sign_in_attempt', ['username'], unique=False)
    op.create_index('ix_sign_in_attempt_client', 'sign_in_attempt', ['client'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sign_in_attempt_client', table_name='sign_in_attempt')
    op.drop_index('ix_sign_in_attempt_username', table_name='sign_in_attempt')
    op.drop_table('sign_in_attempt')
    op.drop_index('ix_lookup_attempt_client', table_name='lookup_attempt')
    op.drop_column('lookup_attempt', 'client')
    op.drop_column('user', 'token_version')
