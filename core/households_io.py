"""一户一档 in and out of Excel (or CSV), for the center and the admin: one sheet 一户一档, one row per
household. An import is checked whole — every bad cell named by row and column — and written
all-or-nothing (the caller commits only when nothing was refused). A row is matched to a household
already on file by village, head and phone, so importing the same file twice changes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from core import households, labels, workbook
from core.auth import CurrentUser
from core.errors import DomainError, FormErrors
from core.intake import NAME_MAX, normalize_phone, text_field
from core.models import Household
from core.network_io import YES, _split, _station
from core.workbook import CellError

SHEET = "一户一档"
COLUMNS = (("township", "乡镇"), ("village", "村社区"), ("group_name", "组"), ("head_name", "户主"), ("phone", "电话"),
           ("address", "地址"), ("members", "人口"), ("categories", "类别"), ("notes", "备注"), ("inactive", "注销"))
REQUIRED = ("township", "village", "head_name")
FIELD_COLUMN = {"village_id": "village"}  # a refused field of households.save_household → its column


@dataclass
class HouseholdImport:
    created: int = 0
    updated: int = 0
    errors: list[CellError] = field(default_factory=list)


def _rows(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    sheets = workbook.read_sheets(data, filename)
    values = sheets.get(SHEET) if SHEET in sheets else next(iter(sheets.values())) if len(sheets) == 1 else None
    if values is None:
        raise DomainError("error.network_no_sheet", sheets=SHEET)
    aliases = {zh: key for key, zh in COLUMNS} | {key: key for key, _zh in COLUMNS}
    header, rows = workbook.records(values, aliases)
    if unknown := [h for h in header if h and h not in aliases.values()]:
        raise DomainError("error.network_header", sheet=SHEET, columns="、".join(unknown))
    if missing := [dict(COLUMNS)[c] for c in REQUIRED if c not in header]:
        raise DomainError("error.network_columns", sheet=SHEET, columns="、".join(missing))
    return rows


def import_households(session: Session, *, actor: CurrentUser, data: bytes, filename: str) -> HouseholdImport:
    """Write every good row and collect every refusal; the caller commits only when `errors` is empty."""
    if not actor.has(*households.KEEPERS):
        raise DomainError("error.permission")
    result = HouseholdImport()
    for number, row in _rows(data, filename):
        if missing := [c for c in REQUIRED if not row.get(c)]:
            result.errors.extend(CellError(number, dict(COLUMNS)[c], DomainError("error.import_required"), SHEET)
                                 for c in missing)
            continue
        try:
            with session.no_autoflush:
                outcome = _write_row(session, actor, row)
        except DomainError as exc:
            for name, error in (getattr(exc, "errors", None) or {exc.field or "": exc}).items():
                column = FIELD_COLUMN.get(name, name)
                result.errors.append(CellError(number, dict(COLUMNS).get(column, ""), error, SHEET))
            continue
        if outcome == "created":
            result.created += 1
        elif outcome == "updated":
            result.updated += 1
    session.flush()
    return result


def _write_row(session: Session, actor: CurrentUser, row: dict[str, str]) -> str | None:
    """One row through households.save_household, so a cell is refused for the reason a form would
    give; an unknown village is reported with the row's other bad cells."""
    try:
        village_id, unknown_place = _station(session, row["township"], row["village"]).id, None
    except DomainError as exc:
        village_id, unknown_place = None, exc
    existing = _same_household(session, village_id, row) if village_id else None
    try:
        _household, changed = households.save_household(
            session, actor=actor, village_id=village_id, head_name=row["head_name"], phone=row.get("phone") or None,
            address=row.get("address"), group_name=row.get("group_name"), members=row.get("members") or 1,
            categories=_split(row.get("categories", "")), notes=row.get("notes"),
            active=row.get("inactive", "").lower() not in YES, household_id=existing.id if existing else None)
    except DomainError as exc:
        if unknown_place is None:
            raise
        raise FormErrors({**(getattr(exc, "errors", None) or {exc.field or "": exc}), "village_id": unknown_place}) \
            from None
    return "created" if existing is None else ("updated" if changed else None)


def _same_household(session: Session, village_id: int, row: dict[str, str]) -> Household | None:
    """The household on file this row describes: same village, head and phone (households.save_household's rule)."""
    try:
        head = text_field(row["head_name"], "head_name", required=True, high=NAME_MAX)
        phone = normalize_phone(row.get("phone") or None)
    except DomainError:
        return None  # save_household names the bad cell
    return session.exec(select(Household).where(
        Household.village_id == village_id, Household.head_name == head,
        Household.phone == phone if phone else Household.phone.is_(None))).first()


def export_rows(session: Session, *, user: CurrentUser) -> list[list[str]]:
    """Every household on file (moved-away ones too) as the import reads it: export → import changes nothing."""
    if not user.has(*households.KEEPERS):
        raise DomainError("error.permission")
    frame = households.households_frame(session, user=user,
                                        filters=households.HouseholdFilter(include_inactive=True))
    return [[r.township or "", r.village, r.group_name, r.head_name, r.phone or "", r.address, str(r.members),
             "、".join(labels.label(c) for c in r.categories), r.notes, "" if r.active else "是"]
            for r in frame.itertuples()]


def write_workbook(rows: list[list[str]]) -> bytes:
    return workbook.write_xlsx({SHEET: ([zh for _key, zh in COLUMNS], rows)})


def template() -> bytes:
    return write_workbook([["城关镇", "东门村", "三组", "赵某某", "13900000001", "东门村三组 12 号", "4",
                            "特困户、留守儿童", "", ""]])

