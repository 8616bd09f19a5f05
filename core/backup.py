"""Backup and restore of the whole database — every table, attachments included (they live in the
database): SQLite's online backup (safe while the app writes), pg_dump/pg_restore for PostgreSQL."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from core.db import DatabaseError, current_revision, head_revision, migrate


def _is_sqlite(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite"


def _libpq_url(engine: Engine) -> str:
    """pg_dump and pg_restore take the URL without SQLAlchemy's '+psycopg' driver part."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None)
    if not found:
        raise DatabaseError(f"{name} was not found: install the PostgreSQL client tools (apt-get install postgresql-client)")
    return str(found)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise DatabaseError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the schema: what a backup holds, said after writing or restoring it."""
    with engine.connect() as conn:
        return {table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables}


def backup(engine: Engine, path: Path) -> dict[str, int]:
    """Writes the whole database to `path` (a new file) and returns the rows per table it holds."""
    path = Path(path)
    if path.exists():
        raise DatabaseError(f"{path} exists already: a backup never overwrites a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite(engine):
        raw = engine.raw_connection()
        try:
            target = sqlite3.connect(path)
            with target:
                raw.driver_connection.backup(target)  # page by page, consistent while others write
            target.close()
        finally:
            raw.close()
        copy = sa.create_engine(f"sqlite:///{path}")
        try:
            return table_counts(copy)
        finally:
            copy.dispose()
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), _libpq_url(engine)])
    return table_counts(engine)


def _backup_revision(path: Path, engine: Engine) -> str | None:
    if not _is_sqlite(engine):
        return None  # pg_restore reads its own format; the revision is checked after it
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.DatabaseError, TypeError) as exc:
        raise DatabaseError(f"{path} is not a backup of this application's SQLite database ({exc})") from None


def restore(engine: Engine, path: Path) -> dict[str, int]:
    """Replaces every table's rows with the backup's, then migrates it to the newest schema (a
    backup from an older version is upgraded). Why it is all or nothing: a half-restored county
    is worse than either the old or the backed-up one."""
    path = Path(path)
    if not path.is_file():
        raise DatabaseError(f"no backup file at {path}")
    revision = _backup_revision(path, engine)
    if revision is not None and int(revision) > int(head_revision()):
        raise DatabaseError(f"{path} was made by a newer version of the application (schema {revision}); update first")
    engine.dispose()
    if _is_sqlite(engine):
        raw = engine.raw_connection()
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
                source.backup(raw.driver_connection)  # one step: readers see the old or the new database
        finally:
            raw.close()
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", _libpq_url(engine), str(path)])
    engine.dispose()
    if current_revision(engine) is None:
        raise DatabaseError(f"{path} holds no schema of this application")
    migrate(engine)
    return table_counts(engine)
