"""Alembic environment: runs on the engine handed over by core.db (or the URL in the config)."""
import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import core.models  # noqa: F401  registers every table on SQLModel.metadata
from core import search

config = context.config
target_metadata = SQLModel.metadata
MIGRATION_LOCK = 20261121  # PostgreSQL advisory lock key: one migrating process at a time


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=lambda name, type_, parent: not search.owns(name),  # the full-text index: not a model
    )


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or sa.create_engine(config.get_main_option("sqlalchemy.url"))
    if engine.dialect.name == "sqlite":
        return _run_on_sqlite(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several app servers may start at once: the others wait here, then find the schema at
            # head (alembic reads the version after the lock) and run nothing. Released at commit.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


def _run_on_sqlite(engine: sa.Engine) -> None:
    """Why: SQLite rebuilds a table to alter it (batch mode: copy, DROP, rename). With foreign keys
    on, dropping a table other rows refer to fails (a household with visits stopped migration 0013),
    and Python's sqlite3 commits before each DDL statement, so a failure left half a migration
    behind. Here foreign keys are off while migrating (the pragma only takes effect outside a
    transaction), every migration runs in one explicit transaction, and the references are checked
    before it commits."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN")  # the driver's own: it then commits or rolls back
                _configure(connection)
                with context.begin_transaction():
                    context.run_migrations()
                if broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError(f"migration left rows referring to nothing: {broken[:5]}")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


run_migrations_online()
