"""Old paper and Excel ledgers in, the case ledger out (S4 台账): one column set for both, CSV or
.xlsx. An import is checked whole first — every bad cell reported by row and column — and then
written all-or-nothing; imported cases keep their dates and stages and carry an event marked as
imported. An export re-imports to the same cases."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import openpyxl
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from core import limits, rollup, search, workbook
from core.clock import local_now
from core.auth import CurrentUser
from core.db import bulk_insert, without_gc
from core.errors import DomainError
from core.intake import CONTENT_MAX, NAME_MAX, normalize_phone
from core.models import (Case, CaseAction, CaseEvent, CaseStatus, Category, Channel, Priority, Rating, Role, Tier,
                         Unit, UnitKind)
from core.services import SYSTEM, make_title, tracking_code
from core.workbook import CellError, enum_value

COLUMNS = ("tracking_code", "received_at", "channel", "township", "village", "category", "content", "reporter_name",
           "reporter_phone", "unit", "tier", "priority", "status", "dispatched_at", "due_at", "closed_at",
           "feedback_at", "rating", "followed_up_at")
ALIASES = {
    "编号": "tracking_code", "事项编号": "tracking_code", "登记时间": "received_at", "受理时间": "received_at",
    "渠道": "channel", "来源": "channel", "乡镇": "township", "乡镇（社区）": "township", "村": "village",
    "村（社区）": "village", "类别": "category", "诉求类别": "category", "内容": "content", "反映内容": "content",
    "反映人": "reporter_name", "电话": "reporter_phone", "联系电话": "reporter_phone", "承办单位": "unit",
    "层级": "tier", "办理层级": "tier", "缓急": "priority", "阶段": "status", "状态": "status",
    "交办时间": "dispatched_at", "办理时限": "due_at", "结案时间": "closed_at", "反馈时间": "feedback_at",
    "评价": "rating", "满意度": "rating", "回访时间": "followed_up_at",
}
REQUIRED = ("received_at", "channel", "content", "status")
DATES = ("received_at", "dispatched_at", "due_at", "closed_at", "feedback_at", "followed_up_at")
ENUMS = {"channel": Channel, "tier": Tier, "priority": Priority, "status": CaseStatus, "rating": Rating}
# stages that only exist once a unit has the case (a closed one may have been answered on the spot)
AT_UNIT = {CaseStatus.dispatched, CaseStatus.in_progress, CaseStatus.reported, CaseStatus.returned,
           CaseStatus.approved, CaseStatus.fed_back}
CODE = re.compile(r"^[A-Z0-9-]{4,20}$")
IMPORTERS = (Role.clerk, Role.admin)


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def iter_table(source: bytes | BinaryIO, filename: str) -> Iterator[dict[str, str]]:
    """Rows as {column: text}, headers mapped from English names or Chinese aliases, read as they
    are consumed. Refuses (when reached) an empty file, a column it does not know, a missing one."""
    header: list[str] | None = None
    for _title, rows in workbook.iter_sheets(source, filename):
        first = next(rows, None)
        if first is None:
            continue
        if header is None:
            header = _header(first)
        elif _header(first) != header:  # an export past one sheet's rows goes on with the same header
            continue
        for row in rows:  # cells come stripped; a column without a header ("") is left out
            if any(row):
                values = dict(zip(header, row))
                values.pop("", None)
                yield values
    if header is None:
        raise DomainError("error.import_empty")


def _header(cells: list[str]) -> list[str]:
    header = [ALIASES.get(h.strip(), h.strip()) for h in cells]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:  # a column we would silently drop is refused by name
        raise DomainError("error.import_headers", columns="、".join(unknown))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainError("error.import_columns", columns="、".join(missing))
    return header


def read_table(data: bytes | BinaryIO, filename: str) -> list[dict[str, str]]:
    """The whole table as a list (small files, tests); imports stream with iter_table."""
    return list(iter_table(data, filename))


EARLIEST = datetime(2000, 1, 1)


def _date(text: str, *, latest: datetime | None) -> datetime:
    """A date of the ledger, between 2000 and `latest` (tomorrow: a later one is a typo, not a
    plan), but a deadline may lie ahead (latest None)."""
    value = _iso(text)
    if value is not None:
        if value < EARLIEST or (latest is not None and value > latest):
            raise DomainError("error.import_date_range", value=text)
        return value
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            value = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if value < EARLIEST or (latest is not None and value > latest):
            raise DomainError("error.import_date_range", value=text)
        return value
    raise DomainError("error.import_date", value=text)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


def _iso(text: str) -> datetime | None:
    """The usual YYYY-MM-DD[ HH:MM[:SS]] by fromisoformat: strptime took half of a check's time."""
    if ISO_DATE.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None  # 2026-02-30: strptime below says why
    return None


class _Names:
    """Townships, villages, units and categories by the names a ledger uses."""

    def __init__(self, session: Session) -> None:
        units = session.exec(select(Unit)).all()
        self.townships = {u.name: u.id for u in units if u.kind in (UnitKind.township, UnitKind.community)}
        self.villages = {(u.parent_id, u.name): u.id for u in units if u.kind in (UnitKind.village, UnitKind.community)}
        self.units = {u.name: u.id for u in units} | {u.code: u.id for u in units if u.code}
        self.categories = {}
        for c in session.exec(select(Category)).all():
            self.categories.update({c.code: c.id, c.name_zh: c.id, c.name_en: c.id})


class _CodesMet:
    """The tracking codes met so far in one reading of a file, kept in a temporary SQLite file (its
    page cache in memory, the rest on disk) rather than a Python set: a million codes took about
    100 MB as a set, which was most of what a reading's memory grew by."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary database on disk, deleted when closed
        self._db.execute("CREATE TABLE met (code TEXT PRIMARY KEY) WITHOUT ROWID")

    def among(self, codes: list[str]) -> set[str]:
        """Which of `codes` were met before."""
        found: set[str] = set()
        for first in range(0, len(codes), 500):  # (SQLite binds up to 32,766 parameters: 500 is plenty)
            part = codes[first:first + 500]
            found.update(code for (code,) in self._db.execute(
                f"SELECT code FROM met WHERE code IN ({', '.join('?' * len(part))})", part))
        return found

    def add(self, codes: list[str]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO met VALUES (?)", ((code,) for code in codes))

    def close(self) -> None:
        self._db.close()


def checked_rows(session: Session, rows: Iterable[dict[str, str]], errors: list[CellError]) -> Iterator[dict]:
    """Each good row, checked as it is read; every bad cell is appended to `errors` (by spreadsheet
    row and column). A code is taken if the database or an earlier row of the file has it: both
    are looked up IMPORT_BATCH rows at a time."""
    names = _Names(session)
    latest = local_now() + timedelta(days=1)  # read once: the clock cost a tenth of a check
    met = _CodesMet()
    numbered = enumerate(rows, start=2)
    try:
        while batch := list(islice(numbered, IMPORT_BATCH)):
            given = [r["tracking_code"].upper() for _n, r in batch if r.get("tracking_code")]
            taken = set(session.exec(select(Case.tracking_code).where(Case.tracking_code.in_(given))).all()) \
                if given else set()
            taken |= met.among(given)
            in_batch: set[str] = set()
            for number, raw in batch:
                row, bad = _check_row(session, names, number, raw, taken, in_batch, latest)
                errors.extend(bad)
                if not bad:
                    yield row
            met.add(given)
    finally:
        met.close()


def _check_row(session: Session, names: _Names, number: int, raw: dict[str, str], taken: set[str],
               seen: set[str], latest: datetime) -> tuple[dict, list[CellError]]:
    row, bad = {}, []

    def fail(column: str, error: DomainError) -> None:
        bad.append(CellError(number, column, error))

    for column in REQUIRED:
        if not raw.get(column):
            fail(column, DomainError("error.import_required"))
    for column in DATES:
        if raw.get(column):
            try:
                row[column] = _date(raw[column], latest=None if column == "due_at" else latest)
            except DomainError as exc:
                fail(column, exc)
    for column, enum in ENUMS.items():
        if raw.get(column):
            try:
                row[column] = enum_value(enum, raw[column])
            except DomainError as exc:
                fail(column, exc)
    code = raw.get("tracking_code", "").upper()
    if code:
        if not CODE.match(code) or code in taken or code in seen:
            fail("tracking_code", DomainError("error.import_code", value=code))
        seen.add(code)
        row["tracking_code"] = code
    content = raw.get("content", "")
    if len(content) > CONTENT_MAX:
        fail("content", DomainError("error.too_long", fields=["content"], n=CONTENT_MAX))
    row["content"] = content
    if len(raw.get("reporter_name", "")) > NAME_MAX:
        fail("reporter_name", DomainError("error.too_long", fields=["who"], n=NAME_MAX))
    row["reporter_name"] = raw.get("reporter_name") or None
    try:
        row["reporter_phone"] = normalize_phone(raw.get("reporter_phone"))
    except DomainError as exc:
        fail("reporter_phone", exc)
    for column, table in (("township", names.townships), ("unit", names.units), ("category", names.categories)):
        if raw.get(column):
            if raw[column] in table:
                row[f"{column}_id"] = table[raw[column]]
            else:
                fail(column, DomainError("error.import_unknown", value=raw[column]))
    if raw.get("village"):
        village = names.villages.get((row.get("township_id"), raw["village"]))
        if village is None:
            fail("village", DomainError("error.import_unknown", value=raw["village"]))
        row["village_id"] = village
    status = row.get("status")
    if status in AT_UNIT:
        for column in ("unit", "dispatched_at", "tier"):
            if not raw.get(column):
                fail(column, DomainError("error.import_stage_needs", status=str(status)))
    if status in (CaseStatus.closed, CaseStatus.explained) and not raw.get("closed_at"):
        fail("closed_at", DomainError("error.import_stage_needs", status=str(status)))
    received = row.get("received_at")
    for column in ("dispatched_at", "closed_at", "feedback_at", "followed_up_at"):
        if received and row.get(column) and row[column] < received:
            fail(column, DomainError("error.import_before_received"))
    if not bad and row.get("dispatched_at") and not row.get("due_at") and row.get("tier"):
        try:  # 办理时限 missing: the working-day rule of the tier, from the dispatch
            row["due_at"] = limits.due_for(session, tier=row["tier"], category_id=row.get("category_id"),
                                           channel=row["channel"], is_major=False, start=row["dispatched_at"],
                                           received_at=received)
        except DomainError as exc:
            fail("due_at", exc)
    return row, bad


def check_rows(session: Session, rows: Iterable[dict[str, str]]) -> Checked:
    """Every row checked, the good ones kept (small files, tests); imports stream with check_file."""
    checked = Checked()
    checked.rows = list(checked_rows(session, rows, checked.errors))
    return checked


def check_file(session: Session, source: BinaryIO, filename: str) -> tuple[int, list[CellError]]:
    """The first reading of an import: every row read and checked, nothing kept but the count of
    good rows and the errors. The stream is rewound for import_file."""
    errors: list[CellError] = []
    try:
        good = sum(1 for _row in checked_rows(session, iter_table(source, filename), errors))
    finally:
        source.seek(0)
    return good, errors


def fingerprint(data: bytes | BinaryIO) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    data.seek(0)  # the whole file, wherever a reading left the stream
    while chunk := data.read(workbook.READ_CHUNK):
        digest.update(chunk)
    data.seek(0)
    return digest.hexdigest()


def imported_before(session: Session, data: bytes | BinaryIO) -> datetime | None:
    """When this very file was imported, if it was: a second import would copy every case."""
    return _imported_at(session, fingerprint(data))


def _imported_at(session: Session, digest: str) -> datetime | None:
    return session.exec(select(CaseEvent.at).where(
        CaseEvent.action == CaseAction.import_ledger,
        CaseEvent.details["sha256"].as_string() == digest).limit(1)).first()


IMPORT_BATCH = 2000  # rows written per INSERT (and per progress report)


def import_rows(session: Session, *, actor: CurrentUser | None, checked: Checked, now: datetime,
                source: str, data: bytes | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Write every checked row, or none: refuses while any row has an error, and refuses a file
    (`data`) that was imported before. Returns the codes."""
    _require_importer(actor)
    if checked.errors:
        raise DomainError("error.import_has_errors", n=len(checked.errors))
    codes: list[str] = []
    _write(session, actor=actor, rows=checked.rows, errors=[], now=now, source=source, data=data,
           total=len(checked.rows), progress=progress, codes=codes)
    return codes


def import_file(session: Session, *, actor: CurrentUser | None, source: BinaryIO, filename: str, now: datetime,
                total: int, progress: Callable[[int, int], None] | None = None) -> int:
    """The second reading of an import (after check_file found no error): each row read, checked
    again and written as it comes, in the caller's transaction. A row that went bad since the first
    reading (another import took its code) raises error.import_has_errors at the end: the caller
    rolls back, so it is still all or nothing. Returns the number of cases written."""
    errors: list[CellError] = []
    # a generator reads nothing until the first batch: after _write has fingerprinted the stream
    return _write(session, actor=actor, rows=checked_rows(session, iter_table(source, filename), errors),
                  errors=errors, now=now, source=filename, data=source, total=total, progress=progress)


def _write(session: Session, *, actor: CurrentUser | None, rows: Iterable[dict],
           errors: list[CellError], now: datetime, source: str, data: bytes | BinaryIO | None, total: int,
           progress: Callable[[int, int], None] | None, codes: list[str] | None = None) -> int:
    """Rows are written IMPORT_BATCH at a time (db.bulk_insert), each case with its event,
    its place in the full-text index and the dashboard's kept aggregates; `progress(done, total)`
    after each batch."""
    _require_importer(actor)
    details = {"source": source[:120]}
    if data is not None:  # read whole once, before the rows: the stream is rewound for them
        details["sha256"] = digest = fingerprint(data)
        if (at := _imported_at(session, digest)) is not None:
            raise DomainError("error.import_again", at=f"{at:%Y-%m-%d %H:%M}")
    session.flush()
    connection = session.connection()  # Core: one INSERT per batch (the rollup is recorded below)
    event = {"actor_id": actor.id if actor else None, "actor_name": actor.display_name if actor else "系统导入",
             "actor_role": _role(actor), "details": details}  # the same on every case's import event
    with _page_cache(connection):
        rows = iter(rows)
        done = 0
        while True:
            with without_gc():  # a batch makes many acyclic objects; collections run between batches
                batch = list(islice(rows, IMPORT_BATCH))
                if not batch:
                    break
                numbered = _write_batch(connection, batch, actor=actor, now=now, first=done, event=event)
            if codes is not None:
                codes.extend(code for _id, code in numbered)
            done += len(batch)
            if progress:
                progress(done, max(total, done))
    if errors:
        raise DomainError("error.import_has_errors", n=len(errors))
    return done


IMPORT_PAGE_CACHE_KIB = 8 * 1024


@contextmanager
def _page_cache(connection: sa.Connection) -> Iterator[None]:
    """SQLite: an 8 MB page cache for the import's connection while it writes, the connection's own
    size again after. With the default 2 MB the case table's 15 indexes were re-read from the OS
    at every batch: 100,000 rows went 9,600–9,800 → 10,300–10,400 rows/s (16 and 64 MB: no faster,
    only larger)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _write_batch(connection: sa.Connection, batch: list[dict], *, actor: CurrentUser | None, now: datetime,
                 first: int, event: dict) -> list[tuple[int, str]]:
    """One batch of checked rows written; returns (case id, tracking code) of each."""
    cases, events = Case.__table__, CaseEvent.__table__
    values = [_case_values(row, actor=actor, placeholder=f"TMP-{first + i}-{now:%H%M%S%f}")
              for i, row in enumerate(batch)]
    with search.bulk(connection) as indexed:  # the full-text index in one pass per batch
        before = connection.execute(select(sa.func.coalesce(sa.func.max(cases.c.id), 0))).scalar_one()
        bulk_insert(connection, cases, values)  # ids read back by the unique codes: all are past
        id_of = dict(connection.execute(  # `before` (a range, not 2,000 codes to bind and look up;
            select(cases.c.tracking_code, cases.c.id).where(cases.c.id > before)).all())  # others' new cases too)
        ids = [id_of[v["tracking_code"]] for v in values]
        indexed.extend(ids)
    numbered = [(case_id, row.get("tracking_code") or tracking_code(row["received_at"].year, case_id))
                for case_id, row in zip(ids, batch)]
    renamed = [{"case": case_id, "code": code} for (case_id, code), row in zip(numbered, batch)
               if "tracking_code" not in row]
    if renamed:
        connection.execute(cases.update().where(cases.c.id == sa.bindparam("case"))
                           .values(tracking_code=sa.bindparam("code")), renamed)
    bulk_insert(connection, events, [
        {"case_id": case_id, "at": now, **event, "action": CaseAction.import_ledger, "from_status": None,
         "to_status": row["status"], "imported": True}
        for case_id, row in zip(ids, batch)])
    rollup.record(connection, ids)
    return numbered


def _case_values(row: dict, *, actor: CurrentUser | None, placeholder: str) -> dict:
    """The row as an INSERT's values (building a Case per row took most of an import's time)."""
    rated = row.get("feedback_at") if row.get("rating") else None
    return {**_case_defaults(), "tracking_code": row.get("tracking_code") or placeholder, "status": row["status"],
            "channel": row["channel"], "title": make_title(row["content"]), "content": row["content"],
            "reporter_name": row.get("reporter_name"), "reporter_phone": row.get("reporter_phone"),
            "township_id": row.get("township_id"), "village_id": row.get("village_id"),
            "category_id": row.get("category_id"), "unit_id": row.get("unit_id"), "tier": row.get("tier"),
            "priority": row.get("priority"), "received_at": row["received_at"],
            "dispatched_at": row.get("dispatched_at"), "due_at": row.get("due_at"), "closed_at": row.get("closed_at"),
            "fed_back_at": row.get("feedback_at"), "rated_at": rated, "rating": row.get("rating"),
            "first_rating": row.get("rating"), "followed_up_at": row.get("followed_up_at"), "imported": True,
            "created_by_id": actor.id if actor else None, "version": 1}


@cache
def _case_defaults() -> dict:
    """Every column of a case with the model's default (None where it has none)."""
    return {name: None if field.is_required() else field.get_default(call_default_factory=True)
            for name, field in Case.model_fields.items() if name != "id"}


def _require_importer(actor: CurrentUser | None) -> None:
    if actor is not None and not actor.has(*IMPORTERS):
        raise DomainError("error.permission")


def _role(actor: CurrentUser | None) -> str:
    if actor is None:
        return SYSTEM
    return str(Role.clerk if actor.has(Role.clerk) else Role.admin)


def iter_export_rows(session: Session, *, user: CurrentUser | None) -> Iterator[dict[str, str]]:
    """Every case in the import's columns (codes for stages, channels and ratings; names for
    places, units and categories), read in batches: memory stays flat at a million cases. For the
    center and the admin: it holds residents' phones."""
    _require_importer(user)
    township, village, unit = aliased(Unit), aliased(Unit), aliased(Unit)
    query = (select(Case, township.name, village.name, unit.name, Category.name_zh)
             .outerjoin(township, township.id == Case.township_id).outerjoin(village, village.id == Case.village_id)
             .outerjoin(unit, unit.id == Case.unit_id).outerjoin(Category, Category.id == Case.category_id)
             .order_by(Case.id).execution_options(yield_per=EXPORT_BATCH))

    def when(value: datetime | None) -> str:
        return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""

    def rows() -> Iterator[dict[str, str]]:
        for case, township_name, village_name, unit_name, category_name in session.exec(query):
            yield {"tracking_code": case.tracking_code, "received_at": when(case.received_at),
                   "channel": str(case.channel), "township": township_name or "", "village": village_name or "",
                   "category": category_name or "", "content": case.content, "reporter_name": case.reporter_name or "",
                   "reporter_phone": case.reporter_phone or "", "unit": unit_name or "",
                   "tier": str(case.tier or ""), "priority": str(case.priority or ""), "status": str(case.status),
                   "dispatched_at": when(case.dispatched_at), "due_at": when(case.due_at),
                   "closed_at": when(case.closed_at), "feedback_at": when(case.fed_back_at),
                   "rating": str(case.rating or ""), "followed_up_at": when(case.followed_up_at)}
            session.expunge(case)  # a million cases must not pile up in the session's identity map
    return rows()


def export_rows(session: Session, *, user: CurrentUser | None) -> list[dict[str, str]]:
    return list(iter_export_rows(session, user=user))


EXPORT_BATCH = 2000
SHEET_NAME = "民情台账"


def write_export(rows: Iterable[dict[str, str]], out: BinaryIO, filename: str) -> int:
    """Writes the ledger to `out` row by row as .xlsx (write-only; past a sheet's 1,048,575 data
    rows the next sheet goes on, 民情台账2…) or UTF-8 CSV; residents' words stay text (no formula,
    no control character). Returns the number of rows."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DomainError("error.import_type")
    count = 0
    if suffix == ".xlsx":
        book = openpyxl.Workbook(write_only=True)
        sheet = None
        for row in rows:
            if count % workbook.SHEET_DATA_ROWS == 0:
                sheet = workbook.new_sheet(book, SHEET_NAME if count == 0 else f"{SHEET_NAME}{count // workbook.SHEET_DATA_ROWS + 1}",
                                           list(COLUMNS))
            sheet.append(workbook.text_cells(sheet, [row.get(c, "") for c in COLUMNS]))
            count += 1
        if sheet is None:
            workbook.new_sheet(book, SHEET_NAME, list(COLUMNS))
        book.save(out)
        return count
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([workbook.csv_cell(row.get(c, "")) for c in COLUMNS])
        count += 1
    text.flush()
    text.detach()  # the caller's stream stays open
    return count


def write_table(rows: Iterable[dict[str, str]], filename: str) -> bytes:
    """The ledger as .xlsx or UTF-8 CSV bytes (write_export into memory)."""
    buffer = io.BytesIO()
    write_export(rows, buffer, filename)
    return buffer.getvalue()


TEMPLATE_ROW = {"tracking_code": "", "received_at": "2024-03-05 09:30", "channel": "hotline", "township": "",
                "village": "", "category": "", "content": "组里自来水停了三天，水发黄", "reporter_name": "张三",
                "reporter_phone": "13812345678", "unit": "", "tier": "", "priority": "", "status": "received",
                "dispatched_at": "", "due_at": "", "closed_at": "", "feedback_at": "", "rating": "",
                "followed_up_at": ""}


def count_cases(session: Session) -> int:
    return int(session.execute(sa.select(sa.func.count()).select_from(Case)).scalar())
