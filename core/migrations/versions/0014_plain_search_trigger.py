"""the full-text index's insert trigger on SQLite without its WHEN mqt_search_on(): a bulk insert
now drops the trigger for its length (in its own transaction) instead of pausing it, since a row
trigger doubled an insert's time even when it did nothing

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23
"""
from alembic import op

from core import search

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_NEW = next(statement for statement in search.SQLITE_DDL if search.INSERT_TRIGGER in statement)
_OLD = _NEW.replace('AFTER INSERT ON "case" BEGIN', 'AFTER INSERT ON "case" WHEN mqt_search_on() BEGIN')


def _replace(statement: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {search.INSERT_TRIGGER}")
        bind.exec_driver_sql(statement)


def upgrade() -> None:
    _replace(_NEW)


def downgrade() -> None:
    _replace(_OLD)
