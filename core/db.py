"""Engine from DATABASE_URL (default SQLite in data/ with WAL, foreign keys, busy timeout),
session scope, and Alembic migrations applied at start-up and by `python -m core.cli init`."""
from __future__ import annotations

import gc
import operator
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseError(RuntimeError):
    """The database cannot be reached or migrated; the message says what to check."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    from core import search  # here: core.search imports the models, which import this module
    search.register(dbapi_connection)  # the function the full-text index's triggers call


def is_database_busy(exc: BaseException) -> bool:
    """SQLite's 'database is locked': another writer held the file longer than the busy timeout."""
    return isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(exc)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_without_nul(v) for v in value)
    return value


def _has_nul(column: sa.Column, values: list) -> bool:
    """Whether a column's values hold a NUL byte, checked at C speed (a text column's joined, a JSON
    column's repr, which writes NUL as \\x00)."""
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's (SQLModel's AutoString)
    if isinstance(kind, sa.JSON):
        return "\\x00" in repr(values)
    return isinstance(kind, sa.String) and "\x00" in "".join(v for v in values if isinstance(v, str))


def _drop_nul_bytes(_conn, _cursor, statement, parameters, _context, _executemany):
    """Why: PostgreSQL refuses a NUL byte in any text ('A string literal cannot contain NUL'), so
    one pasted into any field or search crashed the page; SQLite stored it. Both now drop it, the
    same way the intake drops other control characters."""
    if "\\x00" not in repr(parameters):  # the common case, checked at C speed (a big import's rows)
        return statement, parameters
    return statement, _without_nul(parameters)


def by_ids(column: sa.ColumnElement, ids: list[int]) -> sa.ColumnElement[bool]:
    """`column IN ids`, or BETWEEN when the ids are a run of consecutive numbers (a bulk insert's
    cases): the database reads a range without a list of parameters to expand and bind."""
    if ids and max(ids) - min(ids) + 1 == len(set(ids)):
        return column.between(min(ids), max(ids))
    return column.in_(ids)


ID_CHUNK = 5_000  # ids bound in one statement: SQLite binds at most 32,766 parameters, PostgreSQL 65,535


def id_chunks(column: sa.ColumnElement, ids: Iterable[int], size: int = ID_CHUNK) -> Iterator[sa.ColumnElement[bool]]:
    """`column IN ids` as conditions of at most `size` ids each, sorted and without repeats (a run
    of consecutive ids as one BETWEEN: by_ids)."""
    ids = sorted(set(ids))
    for first in range(0, len(ids), size):
        yield by_ids(column, ids[first:first + size])


@contextmanager
def without_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while many acyclic objects (rows: dicts, tuples,
    dates) are made; reference counting still frees them. Why: each burst of allocations set off
    full collections that walk every live object, most of a bulk write's time once the process
    held much (the 10-million-case demo's list of times): regrouping 50,000 rows took 0.17 s with
    the collector and 0.02 s without."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_SAMPLE_TIME = datetime(2001, 2, 3, 4, 5, 6, 7)


def _converter(column: sa.Column, dialect: sa.Dialect):
    """The column type's own conversion of a value to bind. A date-time the dialect writes as
    ISO text (SQLite) is written by `datetime.isoformat` instead, once the two were seen to agree
    on a sample: the dialect's formatting per value was a tenth of an import's write."""
    convert = column.type.dialect_impl(dialect).bind_processor(dialect)
    if convert is None or not isinstance(column.type, sa.DateTime) \
            or convert(_SAMPLE_TIME) != _SAMPLE_TIME.isoformat(" ", "microseconds"):
        return convert
    return lambda value: value.isoformat(" ", "microseconds") \
        if type(value) is datetime and value.tzinfo is None else convert(value)


def _prepared(column: sa.Column, dialect: sa.Dialect, values: list) -> list:
    """A column's values as the database is given them: NUL bytes dropped (before the conversion:
    JSON would write \\u0000), then the type's conversion."""
    if _has_nul(column, values):
        values = _without_nul(values)
    convert = _converter(column, dialect)
    return values if convert is None else [None if value is None else convert(value) for value in values]


@without_gc()
def bulk_insert(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Many rows into one table, stored exactly as `connection.execute(table.insert(), rows)` stores
    them (each column type's own conversion, NUL bytes dropped) but without SQLAlchemy's per-row
    work, and on PostgreSQL by COPY. Every row has the keys of the first; a column none of them
    names gets its default, which must be a constant. Why: that per-row work was half of a
    20,000-row import, and INSERT a third of the demo generator's time on PostgreSQL."""
    if not rows:
        return
    dialect = connection.dialect
    named = [c for c in table.columns if c.name in rows[0]]
    defaulted = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    if unknown := set(rows[0]) - {c.name for c in table.columns}:
        raise ValueError(f"{table.name} has no column {sorted(unknown)}")
    for column in defaulted:
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: give it a value (its default is computed per row)")
    columns = named + defaulted
    pick = operator.itemgetter(*[c.name for c in named])
    picked = map(pick, rows) if len(named) > 1 else ((pick(row),) for row in rows)
    by_column = [list(values) for values in zip(*picked)]
    by_column += [[column.default.arg] * len(rows) for column in defaulted]
    for i, column in enumerate(columns):  # column by column: a quarter of the time row by row took
        values = by_column[i]
        if values.count(values[0]) == len(values):  # at C speed: one value throughout (an import's
            by_column[i] = _prepared(column, dialect, values[:1]) * len(values)  # event, a default): once
        else:
            by_column[i] = _prepared(column, dialect, values)
    values = list(zip(*by_column))
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        names = ", ".join(dialect.identifier_preparer.format_column(c) for c in columns)
        quoted = dialect.identifier_preparer.format_table(table)
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({', '.join('?' * len(columns))})", values)
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """Why: SQLite without foreign_keys silently accepts dangling references, and without WAL and
    a busy timeout two Streamlit sessions writing at once get 'database is locked'."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"DATABASE_URL is not a valid database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    elif parsed.get_backend_name() == "postgresql":
        # JIT compiles a plan whenever its estimated cost is high, ~0.5 s each time: the dashboard's
        # re-report count (an index-nested EXISTS PostgreSQL over-estimates) paid it on every refresh.
        engine = sa.create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    else:
        raise DatabaseError(f"Unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql+psycopg")
    sa.event.listen(engine, "before_cursor_execute", _drop_nul_bytes, retval=True)
    from core import rollup  # here, not at the top: rollup imports the models and kpi, which import db
    rollup.install()  # every flush that writes cases keeps the dashboard's aggregates with them
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration; a no-op when already there."""
    try:
        if current_revision(engine) == head_revision():
            return
        command.upgrade(alembic_config(engine), "head")
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"Cannot reach or migrate the database at {engine.url!r}: {exc.orig}") from exc
