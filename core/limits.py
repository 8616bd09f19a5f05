"""Admin-editable time limits (per tier, optionally per category), calendar overrides and the
official holiday schedules of years the calendar package does not know yet; the county's working
calendar built from them, and the due date of a case computed on it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core import deadlines, rollup, workbook
from core.auth import CurrentUser
from core.errors import DomainError
from core.models import (CalendarOverride, Case, CaseAction, CaseEvent, Channel, Extension, ExtensionStatus,
                         PublicHoliday, Role, Tier, TimeLimit)
from core.ledger import OPEN_STATUSES

MAX_WORKING_DAYS = 90
# from this day of the year on, the admin is warned while next year's schedule is provisional
SCHEDULE_WARNING_FROM = (11, 1)


def time_limits(session: Session) -> list[TimeLimit]:
    return session.exec(select(TimeLimit).order_by(TimeLimit.tier, TimeLimit.category_id)).all()


def calendar_override_rows(session: Session) -> list[CalendarOverride]:
    return session.exec(select(CalendarOverride).order_by(CalendarOverride.day)).all()


def calendar_overrides(session: Session) -> dict[date, bool]:
    return {row.day: row.is_working_day for row in session.exec(select(CalendarOverride)).all()}


def calendar(session: Session) -> deadlines.WorkCalendar:
    """The county's working calendar: admin overrides, the package's years, entered schedules,
    and provisional years beyond them."""
    entered: dict[date, tuple[bool, str | None]] = {}
    years: set[int] = set()
    for row in session.exec(select(PublicHoliday)).all():
        years.add(row.year)
        day = row.first_day
        while day <= row.last_day:
            entered[day] = (False, row.name)
            day += timedelta(days=1)
        for makeup in _parse_dates(row.makeup_days):
            entered[makeup] = (True, None)
    return deadlines.WorkCalendar(overrides=calendar_overrides(session), entered=entered,
                                  entered_years=frozenset(years))


def working_days_for(session: Session, *, category_id: int | None, tier: Tier) -> int:
    """Category-specific limit, else the county-wide limit for the tier, else the default."""
    rows = session.exec(select(TimeLimit).where(TimeLimit.tier == tier)).all()
    by_category = {row.category_id: row.working_days for row in rows}
    if category_id in by_category:
        return by_category[category_id]
    if None in by_category:
        return by_category[None]
    return deadlines.WORKING_DAYS_BY_TIER[Tier(tier)]


def due_for(session: Session, *, tier: Tier, category_id: int | None, channel: Channel, is_major: bool,
            start: datetime, received_at: datetime | None = None) -> datetime:
    return deadlines.due_at(
        tier=Tier(tier), start=start, major=is_major, from_reception=channel == Channel.reception,
        received_at=received_at,
        working_days=working_days_for(session, category_id=category_id, tier=Tier(tier)),
        calendar=calendar(session),
    )


def _require_admin(actor: CurrentUser) -> None:
    if not actor.has(Role.admin):
        raise DomainError("error.permission")


def set_time_limit(session: Session, *, actor: CurrentUser, tier: Tier, working_days: int, now: datetime,
                   category_id: int | None = None) -> TimeLimit:
    _require_admin(actor)
    if not 0 <= working_days <= MAX_WORKING_DAYS:
        raise DomainError("error.working_days_range", field="working_days", max=MAX_WORKING_DAYS)
    same_category = TimeLimit.category_id.is_(None) if category_id is None else TimeLimit.category_id == category_id
    row = session.exec(select(TimeLimit).where(TimeLimit.tier == tier, same_category)).first()
    if row is None:
        row = TimeLimit(category_id=category_id, tier=tier, working_days=working_days, updated_at=now,
                        updated_by_id=actor.id)
        session.add(row)
    else:
        row.working_days, row.updated_at, row.updated_by_id = working_days, now, actor.id
    session.flush()
    return row


def remove_time_limit(session: Session, *, actor: CurrentUser, limit_id: int) -> None:
    _require_admin(actor)
    row = session.get(TimeLimit, limit_id)
    if row is not None:
        session.delete(row)
        session.flush()


def set_calendar_override(session: Session, *, actor: CurrentUser, day: date, is_working_day: bool,
                          note: str = "") -> CalendarOverride:
    _require_admin(actor)
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, is_working_day=is_working_day, note=note.strip())
        session.add(row)
    else:
        row.is_working_day, row.note = is_working_day, note.strip()
    session.flush()
    return row


def remove_calendar_override(session: Session, *, actor: CurrentUser, day: date) -> None:
    _require_admin(actor)
    row = session.get(CalendarOverride, day)
    if row is not None:
        session.delete(row)
        session.flush()


# ---- the official holiday schedule of a year (国务院办公厅关于某年部分节假日安排的通知) -----------------

# names as the notice writes them → chinesecalendar's English names (core.labels translates them)
HOLIDAY_ALIASES = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day",
                   "清明": "Tomb-sweeping Day", "劳动节": "Labour Day", "五一": "Labour Day",
                   "端午节": "Dragon Boat Festival", "端午": "Dragon Boat Festival",
                   "中秋节": "Mid-autumn Festival", "中秋": "Mid-autumn Festival", "国庆节": "National Day",
                   "国庆": "National Day"}
MAX_HOLIDAY_DAYS = 15
_DATE = re.compile(r"(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日")
_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]+)[：:](.*)$")


@dataclass(frozen=True)
class HolidayEntry:
    """One holiday as the notice states it: name, first and last day off, make-up working days."""

    name: str
    first_day: date
    last_day: date
    makeup_days: tuple[date, ...] = ()


def _parse_dates(text: str) -> list[date]:
    return [date.fromisoformat(part.strip()) for part in (text or "").split(",") if part.strip()]


def canonical_holiday(name: str) -> str:
    name = name.strip()
    return HOLIDAY_ALIASES.get(name, name)


def parse_notice(text: str, *, year: int) -> list[HolidayEntry]:
    """The holidays of a State Council notice pasted as text, one numbered line per holiday:
    "二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、
    2月28日（周六）上班。" A day without a month takes the month before it. Lines that are not
    numbered holidays are ignored; a numbered line without a date is refused by name."""
    entries = []
    for line in text.splitlines():
        match = _ITEM.match(line)
        if not match:
            continue
        name, body = match.group(1).strip(), match.group(2)
        off, _sep, rest = body.partition("放假")
        month = None
        days = []
        for m, d in _DATE.findall(off):
            month = int(m) if m else month
            if month is None:
                raise DomainError("error.notice_line", field="notice", line=line.strip()[:40])
            days.append(_safe_date(year, month, int(d), line))
        if not days:
            raise DomainError("error.notice_line", field="notice", line=line.strip()[:40])
        makeup = []
        for sentence in re.split(r"[。；;]", rest):
            if "上班" not in sentence:
                continue
            for m, d in _DATE.findall(sentence):
                month = int(m) if m else month
                makeup.append(_safe_date(year, month, int(d), line))
        first = days[0]
        last = days[1] if len(days) > 1 else days[0]
        if first.month == 12 and last.month == 1:  # 元旦 starting on 31 December of the year before
            first = first.replace(year=year - 1)
        entries.append(HolidayEntry(canonical_holiday(name), first, last, tuple(makeup)))
    if not entries:
        raise DomainError("error.notice_empty", field="notice")
    return entries


def _safe_date(year: int, month: int, day: int, line: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("error.notice_line", field="notice", line=line.strip()[:40]) from None


def check_schedule(year: int, holidays: list[HolidayEntry]) -> None:
    """Why: a wrong schedule silently moves every deadline of a year; refuse what cannot be a
    notice — a range backwards or longer than 15 days, days outside the year, a make-up day that
    is not a weekend day or falls inside a holiday, a holiday named twice."""
    if not holidays:
        raise DomainError("error.schedule_empty", field="holidays")
    seen: set[str] = set()
    off: set[date] = set()
    for entry in holidays:
        name = entry.name.strip()
        if not name or name in seen:
            raise DomainError("error.schedule_name", field="holidays", name=name or "—")
        seen.add(name)
        span = (entry.last_day - entry.first_day).days
        if span < 0 or span >= MAX_HOLIDAY_DAYS or entry.last_day.year != year \
                or entry.first_day < date(year - 1, 12, 25):
            raise DomainError("error.schedule_range", field="holidays", name=name)
        off.update(entry.first_day + timedelta(days=i) for i in range(span + 1))
    for entry in holidays:
        for day in entry.makeup_days:
            if day.weekday() < 5 or day in off or abs(day.year - year) > 1:
                raise DomainError("error.schedule_makeup", field="holidays", name=entry.name, day=day.isoformat())


SCHEDULE_ALIASES = {"节日": "name", "节假日": "name", "放假起": "first_day", "开始": "first_day",
                    "放假止": "last_day", "结束": "last_day", "调休上班": "makeup_days", "上班日": "makeup_days"}


def holidays_from_rows(rows: list[dict]) -> list[HolidayEntry]:
    """Form or file rows {name, first, last, makeup} → entries; a row with neither day is a holiday
    left blank and skipped; a bad day is refused by holiday name."""
    entries = []
    for row in rows:
        name = workbook.cell_text(row.get("name"))
        first, last = (_day_or_none(row.get(k)) for k in ("first", "last"))
        if first is None and last is None:
            continue
        try:
            makeup = tuple(workbook.parse_day(part) for part in re.split(r"[,，、;；\s]+",
                                                                         workbook.cell_text(row.get("makeup"))) if part)
        except DomainError:
            raise DomainError("error.schedule_makeup_text", field="holidays", name=name or "—") from None
        entries.append(HolidayEntry(canonical_holiday(name), first or last, last or first, makeup))
    return entries


def _day_or_none(value: object) -> date | None:
    if value is None or (hasattr(value, "isoformat") and str(value) == "NaT"):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = workbook.cell_text(value)
    return workbook.parse_day(text) if text and text != "NaT" else None


def holidays_from_file(data: bytes, filename: str) -> list[HolidayEntry]:
    """A .csv or .xlsx with columns 节日, 放假起, 放假止, 调休上班 (or name, first_day, last_day,
    makeup_days), one holiday a row."""
    sheets = workbook.read_sheets(data, filename)
    _header, rows = workbook.records(next(iter(sheets.values()), []), SCHEDULE_ALIASES)
    return holidays_from_rows([{"name": r.get("name"), "first": r.get("first_day"), "last": r.get("last_day"),
                                "makeup": r.get("makeup_days")} for _n, r in rows])


def schedule(session: Session, year: int) -> list[PublicHoliday]:
    return session.exec(select(PublicHoliday).where(PublicHoliday.year == year)
                        .order_by(PublicHoliday.first_day)).all()


def set_year_schedule(session: Session, *, actor: CurrentUser, year: int, holidays: list[HolidayEntry],
                      now: datetime) -> int:
    """Enter (or replace) a year's official schedule, then recompute the open cases' deadlines that
    were computed provisionally for that year. Returns how many deadlines moved."""
    _require_admin(actor)
    if year in deadlines.official_years():
        raise DomainError("error.schedule_official", field="year", year=year)
    check_schedule(year, holidays)
    session.execute(sa.delete(PublicHoliday).where(PublicHoliday.year == year))
    for entry in holidays:
        session.add(PublicHoliday(year=year, name=entry.name.strip(), first_day=entry.first_day,
                                  last_day=entry.last_day, entered_at=now, entered_by_id=actor.id,
                                  makeup_days=",".join(d.isoformat() for d in sorted(entry.makeup_days))))
    session.flush()
    return recompute_deadlines(session, year=year, now=now)


def recompute_deadlines(session: Session, *, year: int, now: datetime) -> int:
    """Open cases whose deadline reaches into `year` get it computed again on today's calendar,
    from what set it: the order or transfer (the time limit again, from that moment), the
    reception (its week again), or an approved extension or an imported ledger (the same day,
    moved to the next working day if it became a rest day). Each change is a system event."""
    cal = calendar(session)
    cases = session.exec(select(Case).where(Case.status.in_(OPEN_STATUSES), Case.due_at.is_not(None),
                                            Case.due_at >= datetime(year, 1, 1))).all()
    moved = 0
    for case in cases:
        old = case.due_at
        new = _due_again(session, case, cal)
        if new == old:
            continue
        with rollup.rewriting(session, [case.id]):  # a Core UPDATE: the flush hooks do not see it
            claimed = session.execute(sa.update(Case).where(Case.id == case.id, Case.version == case.version)
                                      .values(due_at=new, version=case.version + 1)
                                      .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # someone acted on it this instant: their action set its own deadline
        session.add(CaseEvent(case_id=case.id, at=now, actor_id=None, actor_name="系统", actor_role="system",
                              action=CaseAction.reschedule, from_status=case.status, to_status=case.status,
                              details={"old_due_at": old.isoformat(timespec="minutes"),
                                       "due_at": new.isoformat(timespec="minutes"), "year": year}))
        session.expire(case)
        moved += 1
    session.flush()
    return moved


def _due_again(session: Session, case: Case, cal: deadlines.WorkCalendar) -> datetime:
    setter = session.exec(select(CaseEvent).where(
        CaseEvent.case_id == case.id,
        CaseEvent.action.in_([CaseAction.register, CaseAction.order, CaseAction.transfer,
                              CaseAction.approve_extension, CaseAction.import_ledger]))
        .order_by(CaseEvent.id.desc()).limit(1)).first()
    extended = session.exec(select(Extension.id).where(Extension.case_id == case.id,
                                                        Extension.status == ExtensionStatus.approved)).first()
    if setter is None or setter.action == CaseAction.import_ledger or (
            setter.action == CaseAction.approve_extension and extended is not None):
        day = deadlines.working_day_on_or_after(case.due_at.date(), cal)
        return datetime.combine(day, deadlines.END_OF_DAY)
    start = case.received_at if setter.action == CaseAction.register else setter.at
    return deadlines.due_at(
        tier=Tier(case.tier or Tier.unit), start=start, major=case.is_major,
        from_reception=case.channel == Channel.reception, received_at=case.received_at,
        working_days=working_days_for(session, category_id=case.category_id, tier=Tier(case.tier or Tier.unit)),
        calendar=cal)


def schedule_warning(session: Session, *, today: date) -> int | None:
    """The year the admin must enter now: next year from 1 November on (or this year, if today's
    year is itself still provisional) while its schedule is provisional; None when nothing is owed."""
    cal = calendar(session)
    if cal.is_provisional_year(today.year):
        return today.year
    if (today.month, today.day) >= SCHEDULE_WARNING_FROM and cal.is_provisional_year(today.year + 1):
        return today.year + 1
    return None
