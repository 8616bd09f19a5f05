"""Kept aggregates: every count of core.kpi.CONDITIONS per day (and per month) of receipt and
(township, category, unit), and how long cases took in buckets, so that a dashboard for a year
reads its whole months' rows and a few days' instead of a year of cases.

Why kept in the same transaction and not by a nightly job: a figure must move the moment a case
does. Every flush that writes cases takes their old contribution out (before the flush, from the
rows as they stand) and puts their new one in (after it), both computed in SQL from the same
CONDITIONS the direct queries use, so the two cannot disagree on a definition. Writes that bypass
the ORM (bulk inserts, a Core UPDATE) call `retract`/`record` themselves; `rebuild` recomputes
everything (`python -m core.cli rollup rebuild`), and the tests check the kept tables against it."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, func, select

from core.db import id_chunks
from core.kpi import CONDITIONS, MEASURES, hour_bucket
from core.models import (HOURS_KEYS, ROLLUP_COUNTS, ROLLUP_KEYS, Case, CaseStatus, Channel, case_hours, case_rollup,
                         channel_column)

assert tuple(CONDITIONS) == ROLLUP_COUNTS, "core.models.ROLLUP_COUNTS must list kpi.CONDITIONS in order"


def _month(dialect: str, day):
    """The first day of the month of `day`."""
    if dialect == "postgresql":
        return sa.cast(func.date_trunc("month", day), sa.Date)
    return func.date(day, "start of month")


def _with_months(dialect: str, days: sa.Select) -> sa.Select:
    """`days`' rows (span 'day') and their sums by month (span 'month'), the cases read once: the
    day rows are a CTE that both parts read, the month part summing at most a row per day."""
    days = days.cte("days")
    summed = ROLLUP_COUNTS + tuple(channel_column(ch) for ch in Channel) + ("cases",)
    month_columns, keys = [], []
    for column in days.c:
        if column.name == "span":
            month_columns.append(sa.literal("month").label("span"))
        elif column.name == "day":
            month_columns.append(_month(dialect, column).label("day"))
            keys.append(month_columns[-1])
        elif column.name in summed:
            month_columns.append(func.sum(column).label(column.name))
        else:
            month_columns.append(column)
            keys.append(column)
    return select(*days.c).union_all(select(*month_columns).group_by(*keys))


def _counted(dialect: str, where, present: set[str] | None = None) -> sa.Select:
    """The kept counts, by day, of the cases matching `where` (of the columns `present`, when the
    table has not got them all: a migration's rebuild runs against the table as it is at that
    revision)."""
    keys = [sa.literal("day").label("span"), func.date(Case.received_at).label("day"),
            func.coalesce(Case.township_id, 0).label("township_id"),
            func.coalesce(Case.category_id, 0).label("category_id"), func.coalesce(Case.unit_id, 0).label("unit_id")]
    sums = [func.sum(sa.case((condition, 1), else_=0)).label(name) for name, condition in CONDITIONS.items()]
    sums += [func.sum(sa.case((Case.channel == ch, 1), else_=0)).label(channel_column(ch)) for ch in Channel]
    if present is not None:
        sums = [s for s in sums if s.name in present]
    return select(*keys, *sums).where(where, Case.status != CaseStatus.merged).group_by(*keys[1:])


def _timed(dialect: str, where) -> sa.Select:
    """How long the cases matching `where` took, by day: cases per measure and hour bucket."""
    selects = []
    for measure, end in MEASURES.items():
        bucket = hour_bucket(dialect, Case.received_at, end).label("bucket")
        day = func.date(Case.received_at).label("day")
        township = func.coalesce(Case.township_id, 0).label("township_id")
        selects.append(select(sa.literal("day").label("span"), day, township, sa.literal(measure).label("measure"),
                              bucket, func.count().label("cases"))
                       .where(where, Case.status != CaseStatus.merged, end.is_not(None)).group_by(day, township, bucket))
    return sa.union_all(*selects)


def _add(connection: sa.Connection, table: sa.Table, keys: Iterable[str], source: sa.Select, sign: int) -> None:
    """Adds (sign +1) or takes away (−1) the rows of `source` into `table`, matched on `keys`."""
    counts = [c.name for c in source.selected_columns if c.name not in keys]
    sub = source.subquery()
    # (the WHERE is SQLite's: an INSERT … SELECT before ON CONFLICT must have one to parse)
    source = select(*(sub.c[k] for k in keys), *(sub.c[c] if sign > 0 else -sub.c[c] for c in counts)).where(sa.true())
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    statement = insert.from_select([*keys, *counts], source)
    connection.execute(statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + statement.excluded[c] for c in counts}))


def _apply(connection: sa.Connection, where, sign: int, present: set[str] | None = None) -> None:
    dialect = connection.dialect.name
    _add(connection, case_rollup, ROLLUP_KEYS, _with_months(dialect, _counted(dialect, where, present)), sign)
    _add(connection, case_hours, HOURS_KEYS, _with_months(dialect, _timed(dialect, where)), sign)


def retract(connection: sa.Connection, ids: Iterable[int]) -> None:
    """Takes the cases' contributions, as their rows stand now, out of the kept tables."""
    for chunk in id_chunks(Case.id, ids, 2000):
        _apply(connection, chunk, -1)


def record(connection: sa.Connection, ids: Iterable[int]) -> None:
    """Adds the cases' contributions, as their rows stand now."""
    for chunk in id_chunks(Case.id, ids, 2000):
        _apply(connection, chunk, +1)


@contextmanager
def rewriting(session: Session, ids: Iterable[int]) -> Iterator[None]:
    """Around a Core UPDATE of cases, which the flush hooks do not see."""
    ids = list(ids)
    retract(session.connection(), ids)
    yield
    record(session.connection(), ids)


def rebuild(connection: sa.Connection) -> None:
    """Recomputes both kept tables from the cases, filling the columns the table has now: a
    migration calls it against the schema of its own revision, which may lack later columns."""
    present = {c["name"] for c in sa.inspect(connection).get_columns(case_rollup.name)}
    connection.execute(case_rollup.delete())
    connection.execute(case_hours.delete())
    _apply(connection, sa.true(), +1, present)


def _as_set(rows) -> set[tuple]:
    return {(span, str(day), *rest) for span, day, *rest in rows}


def kept_rows(connection: sa.Connection) -> dict[str, set[tuple]]:
    """The kept tables' non-empty rows (day as text), to compare with `recomputed_rows`."""
    found = {}
    for table in (case_rollup, case_hours):
        counts = [c for c in table.columns if not c.primary_key]
        found[table.name] = _as_set(connection.execute(select(table).where(sa.or_(*(c != 0 for c in counts)))).all())
    return found


def recomputed_rows(connection: sa.Connection) -> dict[str, set[tuple]]:
    """What the kept tables would hold if rebuilt now, computed without writing."""
    dialect = connection.dialect.name
    return {case_rollup.name: _as_set(connection.execute(_with_months(dialect, _counted(dialect, sa.true()))).all()),
            case_hours.name: _as_set(connection.execute(_with_months(dialect, _timed(dialect, sa.true()))).all())}


# ---- the flush hooks ------------------------------------------------------------------------------
_PENDING = "rollup_pending"


def _cases(objects) -> list[Case]:
    return [o for o in objects if isinstance(o, Case)]


def _before_flush(session: Session, _context, _instances) -> None:
    changed = [c.id for c in _cases(session.dirty) if c.id is not None and session.is_modified(c)]
    gone = [c.id for c in _cases(session.deleted) if c.id is not None]
    if changed or gone:
        retract(session.connection(), changed + gone)
    session.info[_PENDING] = changed


def _after_flush(session: Session, _context) -> None:
    ids = session.info.pop(_PENDING, []) + [c.id for c in _cases(session.new) if c.id is not None]
    if ids:
        record(session.connection(), ids)


def install() -> None:
    """Keeps the tables with every ORM flush (idempotent; core.db.make_engine calls it)."""
    if not sa.event.contains(orm.Session, "before_flush", _before_flush):
        sa.event.listen(orm.Session, "before_flush", _before_flush)
        sa.event.listen(orm.Session, "after_flush", _after_flush)
