"""Alembic environment: runs on the engine handed over by core.db (or the URL in the config)."""
import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import core.models  # noqa: F401  registers every table on SQLModel.metadata
from core import search

config = context.config
target_metadata = SQLModel.metadata
MIGRATION_LOCK = 20261121  # PostgreSQL advisory lock key: one migrating process at a time


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several app servers may start at once: the others wait here, then find the schema at
            # head (alembic reads the version after the lock) and run nothing. Released at commit.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=lambda name, type_, parent: not search.owns(name),  # the full-text index: not a model
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
