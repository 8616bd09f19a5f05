"""full-text search of cases' titles and content (core.search): an FTS5 table kept by triggers on
SQLite, a GIN expression index on PostgreSQL, both over overlapping character pairs

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from alembic import op

from core import search

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    search.install(op.get_bind())


def downgrade() -> None:
    search.uninstall(op.get_bind())
