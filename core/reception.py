"""Reception days (领导接访): rules → dated occurrences moved off rest days on the official calendar,
leaders in rotation with substitutes (不得空岗), public notices (五公开) with their lead times,
interview days (群众访谈日) with attendance per village, the .ics schedule and printable notices.

An occurrence of a rule exists virtually until something is decided about it (a confirmation, a
substitute, a notice, a visitor); then it is stored once, keyed by rule and original date, and the
stored row wins. Time is always a parameter."""
from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import deadlines, labels, limits
from core.board import leader_id_of
from core.auth import STAFF_ROLES, CurrentUser
from core.errors import DomainError, FormErrors
from core.models import (Leader, ReceptionDay, ReceptionKind, ReceptionRule, ReceptionRuleLeader, ReceptionVisitor,
                         Recurrence, Role, Unit)

TZ = ZoneInfo("Asia/Shanghai")
# S1: announce a week ahead; S3: interview days five days ahead
NOTICE_DAYS = 7
INTERVIEW_NOTICE_DAYS = 5
INTERVIEW_MIN_ATTENDANCE = 30  # S3: 各村参与活动人数不得少于30人
CONFIRM_WINDOW_DAYS = 14  # an unconfirmed leader this close is flagged
# what someone can still act on; a late notice is history, shown on the occurrence only
ACTIONABLE = ("no_notice", "notice_stale", "unconfirmed", "no_attendance")
ROTATION_EPOCH = date(2000, 1, 3)  # a Monday; rotation counts occurrences from here, so it never drifts
REST_DAY = "rest_day"
OVERRIDE = "override"
ARRANGERS = (Role.clerk, Role.admin)
READERS = tuple(STAFF_ROLES)  # the pages' READ_RECEPTIONS


@dataclass(frozen=True)
class Occurrence:
    key: str
    day_id: int | None
    rule_id: int | None
    name: str
    kind: ReceptionKind
    original_date: date
    date: date
    start_time: time
    end_time: time | None
    moved_reason: str | None
    leader_id: int | None
    substitute_id: int | None
    attended_id: int | None
    confirmed: bool
    unavailable_reason: str | None
    unit_id: int | None
    village_id: int | None
    place: str
    accompanying_units: str
    subject: str
    notice_days: int
    notice_published_at: datetime | None
    notice_leader_id: int | None
    campaign: str | None = None
    group_name: str | None = None
    attendance: int = 0
    visitors: int = 0

    @property
    def moved(self) -> bool:
        return self.date != self.original_date

    @property
    def effective_leader_id(self) -> int | None:
        """Who receives: the substitute when the planned leader cannot come."""
        return self.substitute_id or self.leader_id

    @property
    def notice_due(self) -> date:
        return self.date - timedelta(days=self.notice_days)

    @property
    def notice_late(self) -> bool:
        return self.notice_published_at is not None and self.notice_published_at.date() > self.notice_due

    @property
    def notice_stale(self) -> bool:
        """Published, but the leader changed since: the public notice names the wrong person."""
        return self.notice_published_at is not None and self.notice_leader_id != self.effective_leader_id

    def flags(self, today: date) -> list[str]:
        """What the board must warn about (label keys under `reception.flag.`)."""
        found = []
        if self.date >= today:
            if self.notice_published_at is None and self.notice_due <= today:
                found.append("no_notice")
            if self.notice_stale:
                found.append("notice_stale")
            if not self.confirmed and self.date - today <= timedelta(days=CONFIRM_WINDOW_DAYS):
                found.append("unconfirmed")
        if self.notice_late:
            found.append("notice_late")
        if self.date < today and self.attended_id is None:
            found.append("no_attendance")
        return found


def moved_reason_label(reason: str | None, lang: str = labels.DEFAULT_LANGUAGE) -> str:
    if not reason:
        return ""
    if reason == REST_DAY:
        return labels.t("reception.moved.rest_day", lang)
    if reason == OVERRIDE:
        return labels.t("reception.moved.override", lang)
    return labels.t("reception.moved.holiday", lang, name=labels.holiday_name(reason, lang))


def _rest_reason(day: date, calendar: deadlines.WorkCalendar) -> str:
    if day in calendar.overrides:
        return OVERRIDE
    return calendar.holiday(day) or REST_DAY


def parse_days(recurrence: Recurrence, days: str) -> list[int]:
    """'10,25' (days of the month) or '2,3' (ISO weekdays, Monday = 1)."""
    high = 31 if Recurrence(recurrence) == Recurrence.monthly else 7
    try:
        values = sorted({int(part) for part in days.replace("，", ",").split(",") if part.strip()})
    except ValueError:
        raise DomainError("error.reception_days", field="days", high=high) from None
    if not values or values[0] < 1 or values[-1] > high:
        raise DomainError("error.reception_days", field="days", high=high)
    return values


def rule_dates(rule: ReceptionRule, start: date, end: date,
               calendar: deadlines.WorkCalendar | None = None) -> list[tuple[int, date, date, str | None]]:
    """(rotation index, original date, actual date, why moved) for every occurrence whose actual
    date lies in [start, end]. Why: S1 — a 10th or 25th on a holiday or rest day moves to the next
    working day of the official calendar; make-up working days (调休) are working days, so a 10th
    on a make-up Saturday stays. Two originals moved onto the same day make one occurrence; a day
    of the month a month lacks (the 31st) is skipped."""
    calendar = calendar or deadlines.OFFICIAL
    found: list[tuple[int, date, date, str | None]] = []
    seen: set[date] = set()
    for index, original in _originals(rule, start - timedelta(days=31), end):  # an earlier one may move in
        actual, reason = _shift(original, calendar)
        if start <= actual <= end and actual not in seen:
            seen.add(actual)
            found.append((index, original, actual, reason))
    return found


def _originals(rule: ReceptionRule, start: date, end: date) -> list[tuple[int, date]]:
    """The rule's own dates in [start, end] with their rotation index, counted from a fixed epoch
    so the leader of an occurrence never depends on the period asked."""
    wanted = parse_days(rule.recurrence, rule.days)
    found = []
    if Recurrence(rule.recurrence) == Recurrence.monthly:
        month = date(start.year, start.month, 1)
        while month <= end:
            months = (month.year - ROTATION_EPOCH.year) * 12 + month.month - 1
            for position, dom in enumerate(wanted):
                try:
                    original = month.replace(day=dom)
                except ValueError:
                    continue
                if start <= original <= end:
                    found.append((months * len(wanted) + position, original))
            month = (month + timedelta(days=32)).replace(day=1)
    else:
        monday = start - timedelta(days=start.weekday())
        while monday <= end:
            weeks = (monday - ROTATION_EPOCH).days // 7
            for position, weekday in enumerate(wanted):
                original = monday + timedelta(days=weekday - 1)
                if start <= original <= end:
                    found.append((weeks * len(wanted) + position, original))
            monday += timedelta(days=7)
    return found


def _shift(original: date, calendar: deadlines.WorkCalendar) -> tuple[date, str | None]:
    if calendar.is_working_day(original):
        return original, None
    return deadlines.working_day_on_or_after(original, calendar), _rest_reason(original, calendar)


def _rotation(session: Session) -> dict[int, list[int]]:
    rows = session.exec(select(ReceptionRuleLeader).join(Leader, Leader.id == ReceptionRuleLeader.leader_id)
                        .where(Leader.active == True)  # noqa: E712
                        .order_by(ReceptionRuleLeader.rule_id, ReceptionRuleLeader.position)).all()
    rotation: dict[int, list[int]] = {}
    for row in rows:
        rotation.setdefault(row.rule_id, []).append(row.leader_id)
    return rotation


def _from_rule(rule: ReceptionRule, index: int, original: date, actual: date, reason: str | None,
               leaders: list[int]) -> Occurrence:
    return Occurrence(
        key=f"{rule.id}:{original.isoformat()}", day_id=None, rule_id=rule.id, name=rule.name, kind=rule.kind,
        original_date=original, date=actual, start_time=rule.start_time, end_time=rule.end_time, moved_reason=reason,
        leader_id=leaders[index % len(leaders)] if leaders else None, substitute_id=None, attended_id=None,
        confirmed=False, unavailable_reason=None, unit_id=rule.unit_id, village_id=None, place=rule.place,
        accompanying_units=rule.accompanying_units, subject=rule.subject, notice_days=rule.notice_days,
        notice_published_at=None, notice_leader_id=None)


def _from_row(row: ReceptionDay, rule: ReceptionRule | None, visitors: int) -> Occurrence:
    kind = row.kind or (rule.kind if rule else ReceptionKind.interview_day)
    default_days = INTERVIEW_NOTICE_DAYS if kind == ReceptionKind.interview_day else NOTICE_DAYS
    return Occurrence(
        key=f"{row.rule_id}:{row.original_date.isoformat()}" if row.rule_id else f"d{row.id}", day_id=row.id,
        rule_id=row.rule_id, name=rule.name if rule else (row.campaign or ""), kind=ReceptionKind(kind),
        original_date=row.original_date, date=row.actual_date, start_time=row.start_time, end_time=row.end_time,
        moved_reason=row.moved_reason, leader_id=row.leader_id, substitute_id=row.substitute_leader_id,
        attended_id=row.attended_leader_id, confirmed=row.leader_confirmed_at is not None,
        unavailable_reason=row.unavailable_reason, unit_id=row.unit_id, village_id=row.village_id, place=row.place,
        accompanying_units=row.accompanying_units, subject=row.subject,
        notice_days=row.notice_days or (rule.notice_days if rule else default_days),
        notice_published_at=row.notice_published_at, notice_leader_id=row.notice_leader_id, campaign=row.campaign,
        group_name=row.group_name, attendance=row.attendance, visitors=visitors)


def occurrences(session: Session, *, start: date, end: date, leader_id: int | None = None,
                kinds: Iterable[ReceptionKind] | None = None) -> list[Occurrence]:
    """Every occurrence with its actual date in [start, end], by date and time: the rules'
    generated ones, with what was decided about them, plus interview-day groups. With
    `leader_id`, only those this leader receives at or attended."""
    if end < start:
        raise DomainError("error.period_order", field="end")
    calendar = limits.calendar(session)
    rules = {rule.id: rule for rule in session.exec(select(ReceptionRule)).all()}
    rotation = _rotation(session)
    stored = session.exec(select(ReceptionDay).where(ReceptionDay.actual_date >= start,
                                                     ReceptionDay.actual_date <= end)).all()
    counts = dict(session.exec(select(ReceptionVisitor.reception_day_id, func.count())
                               .where(ReceptionVisitor.reception_day_id.in_([row.id for row in stored]))
                               .group_by(ReceptionVisitor.reception_day_id)).all()) if stored else {}
    by_key = {(row.rule_id, row.original_date): row for row in stored if row.rule_id is not None}
    # a stored occurrence moved out of the period by hand must not reappear as its generated self
    moved_away = set(session.exec(select(ReceptionDay.rule_id, ReceptionDay.original_date)
                                  .where(ReceptionDay.rule_id.is_not(None),
                                         ReceptionDay.original_date >= start - timedelta(days=31),
                                         ReceptionDay.original_date <= end,
                                         sa.or_(ReceptionDay.actual_date < start, ReceptionDay.actual_date > end))).all())
    found = [_from_row(row, rules.get(row.rule_id), counts.get(row.id, 0)) for row in stored]
    for rule in rules.values():
        if not rule.active:
            continue
        for index, original, actual, reason in rule_dates(rule, start, end, calendar):
            if (rule.id, original) not in by_key and (rule.id, original) not in moved_away:
                found.append(_from_rule(rule, index, original, actual, reason, rotation.get(rule.id, [])))
    if leader_id is not None:
        found = [o for o in found if leader_id in (o.effective_leader_id, o.attended_id)]
    if kinds is not None:
        wanted = set(kinds)
        found = [o for o in found if o.kind in wanted]
    return sorted(found, key=lambda o: (o.date, o.start_time, o.name, o.group_name or ""))


def occurrence(session: Session, key: str) -> Occurrence:
    """One occurrence by its key ('<rule>:<original date>' or 'd<day id>')."""
    row = _stored(session, key)
    if row is not None:
        count = session.exec(select(func.count()).select_from(ReceptionVisitor)
                             .where(ReceptionVisitor.reception_day_id == row.id)).one()
        return _from_row(row, session.get(ReceptionRule, row.rule_id) if row.rule_id else None, count)
    rule, original = _parse_rule_key(session, key)
    for index, orig in _originals(rule, original, original):
        actual, reason = _shift(orig, limits.calendar(session))
        return _from_rule(rule, index, orig, actual, reason, _rotation(session).get(rule.id, []))
    raise DomainError("error.reception_not_found")


def _parse_rule_key(session: Session, key: str) -> tuple[ReceptionRule, date]:
    try:
        rule_part, day_part = key.split(":", 1)
        rule = session.get(ReceptionRule, int(rule_part))
        original = date.fromisoformat(day_part)
    except (ValueError, TypeError):
        raise DomainError("error.reception_not_found") from None
    if rule is None:
        raise DomainError("error.reception_not_found")
    return rule, original


def _stored(session: Session, key: str) -> ReceptionDay | None:
    if key.startswith("d"):
        try:
            row = session.get(ReceptionDay, int(key[1:]))
        except ValueError:
            row = None
        if row is None:
            raise DomainError("error.reception_not_found")
        return row
    rule, original = _parse_rule_key(session, key)
    return session.exec(select(ReceptionDay).where(ReceptionDay.rule_id == rule.id,
                                                   ReceptionDay.original_date == original)).first()


def materialise(session: Session, key: str) -> ReceptionDay:
    """The stored row of an occurrence, created from its rule the first time it is needed."""
    row = _stored(session, key)
    if row is not None:
        return row
    occ = occurrence(session, key)
    row = ReceptionDay(rule_id=occ.rule_id, kind=occ.kind, original_date=occ.original_date, actual_date=occ.date,
                       start_time=occ.start_time, end_time=occ.end_time, moved_reason=occ.moved_reason,
                       leader_id=occ.leader_id, unit_id=occ.unit_id, place=occ.place,
                       accompanying_units=occ.accompanying_units, subject=occ.subject, notice_days=occ.notice_days)
    session.add(row)
    session.flush()
    return row


def _may_arrange(session: Session, actor: CurrentUser, occ: Occurrence) -> None:
    """The center arranges; a leader may answer only for the occurrences they are planned for."""
    if actor.has(*ARRANGERS):
        return
    if actor.has(Role.leader) and leader_id_of(session, actor) in (occ.leader_id, occ.substitute_id):
        return
    raise DomainError("error.permission")


def confirm_leader(session: Session, *, actor: CurrentUser, key: str, now: datetime) -> ReceptionDay:
    """The receiving leader (or the center for them) confirms they will be there."""
    occ = occurrence(session, key)
    _may_arrange(session, actor, occ)
    if occ.effective_leader_id is None:
        raise DomainError("error.reception_no_leader")
    row = materialise(session, key)
    row.leader_confirmed_at = now
    session.flush()
    return row


def suggest_substitute(session: Session, key: str) -> int | None:
    """Why: 不得空岗 — the next leader in the rule's rotation who is not already receiving
    elsewhere that day; any other active leader when the rotation has none free."""
    occ = occurrence(session, key)
    busy = {o.effective_leader_id for o in occurrences(session, start=occ.date, end=occ.date) if o.key != key}
    busy.add(occ.leader_id)
    rotation = _rotation(session).get(occ.rule_id, []) if occ.rule_id else []
    if occ.leader_id in rotation:
        at = rotation.index(occ.leader_id)
        rotation = rotation[at + 1:] + rotation[:at]
    others = session.exec(select(Leader.id).where(Leader.active == True).order_by(Leader.rotation_order,  # noqa: E712
                                                                                 Leader.id)).all()
    return next((leader for leader in [*rotation, *others] if leader not in busy), None)


def arrange_substitute(session: Session, *, actor: CurrentUser, key: str, reason: str, substitute_id: int | None,
                       now: datetime) -> ReceptionDay:
    """补位: the planned leader cannot come; another receives in their place (S1 不得空岗)."""
    occ = occurrence(session, key)
    _may_arrange(session, actor, occ)
    errors = {}
    if not (reason or "").strip():
        errors["unavailable_reason"] = DomainError("error.fields_missing", field="unavailable_reason",
                                                   fields=["unavailable_reason"])
    leader = session.get(Leader, substitute_id) if substitute_id else None
    if leader is None or not leader.active:
        errors["substitute_id"] = DomainError("error.fields_missing", field="substitute_id", fields=["substitute_id"])
    elif substitute_id == occ.leader_id:
        errors["substitute_id"] = DomainError("error.substitute_same", field="substitute_id")
    if errors:
        raise FormErrors(errors)
    row = materialise(session, key)
    row.substitute_leader_id = substitute_id
    row.unavailable_reason = reason.strip()[:120]
    row.leader_confirmed_at = now
    session.flush()
    return row


def publish_notice(session: Session, *, actor: CurrentUser, key: str, now: datetime) -> ReceptionDay:
    """预告 (五公开): only a confirmed leader is announced, and only before the day."""
    if not actor.has(*ARRANGERS):
        raise DomainError("error.permission")
    occ = occurrence(session, key)
    if occ.date < now.date():
        raise DomainError("error.reception_past")
    if not occ.confirmed or occ.effective_leader_id is None:
        raise DomainError("error.reception_unconfirmed")
    row = materialise(session, key)
    row.notice_published_at = now
    row.notice_leader_id = occ.effective_leader_id
    session.flush()
    return row


def record_attendance(session: Session, *, actor: CurrentUser, key: str, attended_leader_id: int | None,
                      attendance: int, now: datetime) -> ReceptionDay:
    """Who actually received, and how many residents came (counted for interview days)."""
    if not actor.has(*ARRANGERS):
        raise DomainError("error.permission")
    occ = occurrence(session, key)
    if occ.date > now.date():
        raise DomainError("error.reception_future")
    if attended_leader_id is None or session.get(Leader, attended_leader_id) is None:
        raise DomainError("error.fields_missing", field="attended_leader_id", fields=["attended_leader_id"])
    if attendance < 0 or attendance > 5000:
        raise DomainError("error.attendance_range", field="attendance")
    row = materialise(session, key)
    row.attended_leader_id = attended_leader_id
    row.attendance = attendance
    session.flush()
    return row


# ---- rules -----------------------------------------------------------------------------------

def rules(session: Session) -> list[tuple[ReceptionRule, list[int]]]:
    rotation = {}
    for row in session.exec(select(ReceptionRuleLeader).order_by(ReceptionRuleLeader.position)).all():
        rotation.setdefault(row.rule_id, []).append(row.leader_id)
    return [(rule, rotation.get(rule.id, []))
            for rule in session.exec(select(ReceptionRule).order_by(ReceptionRule.id)).all()]


def save_rule(session: Session, *, actor: CurrentUser, rule_id: int | None, name: str, kind: ReceptionKind,
              recurrence: Recurrence, days: str, start_time: time, end_time: time | None, place: str,
              accompanying_units: str, subject: str, leader_ids: list[int], unit_id: int | None = None,
              notice_days: int = NOTICE_DAYS, active: bool = True) -> ReceptionRule:
    """A rule the admin or the center keeps; leaders rotate in the order given."""
    if not actor.has(*ARRANGERS):
        raise DomainError("error.permission")
    errors = {}
    if not (name or "").strip():
        errors["name"] = DomainError("error.fields_missing", field="name", fields=["name"])
    try:
        parse_days(recurrence, days)
    except DomainError as exc:
        errors["days"] = exc
    if not leader_ids:
        errors["leader_ids"] = DomainError("error.fields_missing", field="leader_ids", fields=["leader_ids"])
    if end_time is not None and end_time <= start_time:
        errors["end_time"] = DomainError("error.end_before_start", field="end_time")
    if not 1 <= notice_days <= 30:
        errors["notice_days"] = DomainError("error.notice_days", field="notice_days")
    for field, label, value, limit in (("name", "rule_name", name, 80), ("place", "place", place, 120),
                                       ("accompanying_units", "accompanying_units", accompanying_units, 200),
                                       ("subject", "subject", subject, 200)):
        if len((value or "").strip()) > limit:  # refused, never cut short without a word
            errors[field] = DomainError("error.too_long", field=field, fields=[label], n=limit)
    if errors:
        raise FormErrors(errors)
    rule = session.get(ReceptionRule, rule_id) if rule_id else ReceptionRule(name=name, kind=kind,
                                                                               recurrence=recurrence, days=days,
                                                                               start_time=start_time)
    if rule is None:
        raise DomainError("error.reception_not_found")
    rule.name, rule.kind, rule.recurrence = name.strip(), ReceptionKind(kind), Recurrence(recurrence)
    rule.days = ",".join(str(d) for d in parse_days(recurrence, days))
    rule.start_time, rule.end_time, rule.unit_id = start_time, end_time, unit_id
    rule.place, rule.accompanying_units, rule.subject = place.strip(), accompanying_units.strip(), subject.strip()
    rule.notice_days, rule.active = notice_days, active
    session.add(rule)
    session.flush()
    for row in session.exec(select(ReceptionRuleLeader).where(ReceptionRuleLeader.rule_id == rule.id)).all():
        session.delete(row)
    session.flush()
    for position, leader_id in enumerate(dict.fromkeys(leader_ids)):
        session.add(ReceptionRuleLeader(rule_id=rule.id, leader_id=leader_id, position=position))
    session.flush()
    return rule


# ---- interview days (群众访谈日) ------------------------------------------------------------------

def plan_interview(session: Session, *, actor: CurrentUser, campaign: str, day: date, start_time: time,
                   group_name: str, leader_id: int | None, village_id: int | None, place: str = "",
                   subject: str = "", now: datetime) -> ReceptionDay:
    """One group's visit to one village on one day of an interview campaign (S3: 11月1日至6日,
    八个组 to every village). The date is the one the township set: it is not moved."""
    if not actor.has(*ARRANGERS):
        raise DomainError("error.permission")
    errors = {}
    if not (campaign or "").strip():
        errors["campaign"] = DomainError("error.fields_missing", field="campaign", fields=["campaign"])
    if not (group_name or "").strip():
        errors["group_name"] = DomainError("error.fields_missing", field="group_name", fields=["group_name"])
    if leader_id is None or session.get(Leader, leader_id) is None:
        errors["leader_id"] = DomainError("error.fields_missing", field="leader_id", fields=["leader_id"])
    village = session.get(Unit, village_id) if village_id else None
    if village is None:
        errors["village_id"] = DomainError("error.fields_missing", field="village_id", fields=["village_id"])
    if day < now.date():
        errors["day"] = DomainError("error.reception_past", field="day")
    if errors:
        raise FormErrors(errors)
    row = ReceptionDay(rule_id=None, kind=ReceptionKind.interview_day, campaign=campaign.strip()[:80],
                       group_name=group_name.strip()[:40], original_date=day, actual_date=day, start_time=start_time,
                       leader_id=leader_id, village_id=village_id, unit_id=village.parent_id,
                       place=(place or "").strip()[:120] or village.name, subject=(subject or "").strip()[:200],
                       notice_days=INTERVIEW_NOTICE_DAYS, leader_confirmed_at=now)
    session.add(row)
    session.flush()
    return row


def campaigns(session: Session) -> list[str]:
    rows = session.exec(select(ReceptionDay.campaign, func.min(ReceptionDay.actual_date))
                        .where(ReceptionDay.kind == ReceptionKind.interview_day, ReceptionDay.campaign.is_not(None))
                        .group_by(ReceptionDay.campaign).order_by(func.min(ReceptionDay.actual_date).desc())).all()
    return [name for name, _first in rows]


@dataclass(frozen=True)
class VillageAttendance:
    village_id: int
    village: str
    township: str
    sessions: int
    attendance: int

    @property
    def enough(self) -> bool:
        return self.attendance >= INTERVIEW_MIN_ATTENDANCE


def interview_attendance(session: Session, campaign: str) -> list[VillageAttendance]:
    """Residents present per village over the whole campaign, against the ≥ 30 of S3."""
    township = sa.orm.aliased(Unit)
    rows = session.exec(select(Unit.id, Unit.name, township.name, func.count(ReceptionDay.id),
                               func.coalesce(func.sum(ReceptionDay.attendance), 0))
                        .join(Unit, Unit.id == ReceptionDay.village_id)
                        .join(township, township.id == Unit.parent_id, isouter=True)
                        .where(ReceptionDay.campaign == campaign, ReceptionDay.kind == ReceptionKind.interview_day)
                        .group_by(Unit.id, Unit.name, township.name).order_by(township.name, Unit.name)).all()
    return [VillageAttendance(*row) for row in rows]


# ---- the public side -----------------------------------------------------------------------------

def _as_far_as_known(session: Session, *, start: date, end: date) -> tuple[list[Occurrence], bool]:
    """Occurrences up to `end`, or up to the last day the official calendar knows (True then):
    a look-ahead window must not fail because next year's holidays are not out yet."""
    cut = False
    while end >= start:  # each unknown day found pulls the end before it
        try:
            return occurrences(session, start=start, end=end), cut
        except deadlines.CalendarUnknownError as exc:
            end, cut = min(end, exc.day) - timedelta(days=1), True
    return [], cut


def published_notices(session: Session, *, today: date, days: int = 31) -> list[Occurrence]:
    """What residents see: notices published for the coming weeks (五公开), as far as the
    official calendar reaches."""
    plan, _cut = _as_far_as_known(session, start=today, end=today + timedelta(days=days))
    return [o for o in plan if o.notice_published_at is not None]


def warnings(session: Session, *, today: date, days: int = CONFIRM_WINDOW_DAYS) -> dict[str, list[Occurrence]]:
    """Occurrences the board must warn about, by flag, over the next `days` and the last week
    (a past reception with no recorded attendance). Where the window reaches a year the official
    calendar does not know, the dates up to it are checked and `calendar_unknown` says so."""
    plan, cut = _as_far_as_known(session, start=today - timedelta(days=7), end=today + timedelta(days=days))
    found: dict[str, list[Occurrence]] = {"calendar_unknown": []} if cut else {}
    for occ in plan:
        for flag in occ.flags(today):
            if flag in ACTIONABLE:
                found.setdefault(flag, []).append(occ)
    return found


def warnings_for(session: Session, *, user: CurrentUser, today: date) -> dict[str, list[Occurrence]]:
    """The center sees every warning; a leader those of their own receptions; other roles none."""
    if user.has(*ARRANGERS):
        return warnings(session, today=today)
    mine = leader_id_of(session, user)
    if mine is None:
        return {}
    found = {}
    for flag, items in warnings(session, today=today).items():
        own = [o for o in items if mine in (o.effective_leader_id, o.attended_id)]
        if own or flag == "calendar_unknown":
            found[flag] = own
    return found


@dataclass(frozen=True)
class NoticeText:
    """The 五公开 of one occurrence in display form."""

    title: str
    leader: str
    leader_title: str
    duties: str
    when: str
    place: str
    accompanying_units: str
    subject: str


def notice_text(session: Session, occ: Occurrence, lang: str = labels.DEFAULT_LANGUAGE) -> NoticeText:
    leader = session.get(Leader, occ.effective_leader_id) if occ.effective_leader_id else None
    where = occ.place
    if occ.village_id:
        village = session.get(Unit, occ.village_id)
        where = f"{village.name} {occ.place}".strip() if village and village.name not in occ.place else occ.place
    when = f"{occ.date:%Y-%m-%d} ({labels.weekday(occ.date, lang)}) {occ.start_time:%H:%M}"
    if occ.end_time:
        when += f"–{occ.end_time:%H:%M}"
    return NoticeText(title=occ.name if not occ.group_name else f"{occ.name} · {occ.group_name}",
                      leader=leader.name if leader else "", leader_title=leader.title if leader else "",
                      duties=leader.duties if leader else "", when=when, place=where,
                      accompanying_units=occ.accompanying_units, subject=occ.subject)


def notice_html(session: Session, occ: Occurrence, *, county: str, lang: str = labels.DEFAULT_LANGUAGE) -> str:
    """A printable notice for the community board; every value escaped."""
    text = notice_text(session, occ, lang)
    rows = [(labels.t(f"reception.notice.{field}", lang), getattr(text, field))
            for field in ("leader", "leader_title", "duties", "when", "place", "accompanying_units", "subject")]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v or '—')}</td></tr>" for k, v in rows)
    heading = html.escape(labels.t("reception.notice.heading", lang, county=county))
    published = occ.notice_published_at.date() if occ.notice_published_at else occ.notice_due
    issued = f"{published:%Y年%m月%d日}" if lang == "zh" else f"{published:%Y-%m-%d}"
    return (f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{heading}</title><style>@page{{size:A4;margin:20mm}}"
            f"body{{font-family:'Noto Sans CJK SC',sans-serif;margin:3em}}@media print{{body{{margin:0}}}}"
            f"h1{{text-align:center}}table{{width:100%;border-collapse:collapse;font-size:1.2em}}"
            f"th,td{{border:1px solid #333;padding:.6em;text-align:left}}th{{width:25%;background:#f3f3f3}}"
            f"</style></head><body><h1>{heading}</h1><h2 style='text-align:center'>{html.escape(text.title)}</h2>"
            f"<table>{body}</table><p>{html.escape(labels.t('reception.notice.footer', lang))}</p>"
            f"<p style='text-align:right'>{html.escape(labels.t('reception.notice.issued', lang, county=county, day=issued))}"
            "</p></body></html>")


def ics_schedule(session: Session, *, leader_id: int, start: date, end: date,
                 lang: str = labels.DEFAULT_LANGUAGE) -> bytes:
    """A leader's receptions as iCalendar for their phone's calendar (times in Asia/Shanghai)."""
    leader = session.get(Leader, leader_id)
    if leader is None:
        raise DomainError("error.reception_no_leader")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//minqingtong//reception//CN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{leader.name} · {labels.t('reception.ics.name', lang)}")
    for occ in occurrences(session, start=start, end=end, leader_id=leader_id):
        event = icalendar.Event()
        begin = datetime.combine(occ.date, occ.start_time, tzinfo=TZ)
        finish = datetime.combine(occ.date, occ.end_time, tzinfo=TZ) if occ.end_time else begin + timedelta(hours=2)
        text = notice_text(session, occ, lang)
        event.add("uid", f"{occ.key}@minqingtong")
        event.add("summary", text.title)
        event.add("dtstart", begin)
        event.add("dtend", finish)
        event.add("location", text.place)
        description = [text.subject, text.accompanying_units]
        if occ.moved:
            description.append(labels.t("reception.moved_from", lang, day=occ.original_date.isoformat(),
                                        why=moved_reason_label(occ.moved_reason, lang)))
        event.add("description", "\n".join(part for part in description if part))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# ---- the leader's ledger (一人一档) --------------------------------------------------------------

def ledger_days(session: Session, *, leader_id: int, start: date, end: date) -> list[Occurrence]:
    """The receptions of one leader that happened (stored rows with them receiving or attending)."""
    return [o for o in occurrences(session, start=start, end=end, leader_id=leader_id) if o.day_id is not None]


def as_plan_row(session: Session, occ: Occurrence, names: dict[int, str] | None = None) -> dict:
    """The CLI's and the list's view of one occurrence."""
    if names is None:
        names = dict(session.exec(select(Leader.id, Leader.name)).all())
    return {"key": occ.key, "rule": occ.name, "kind": str(occ.kind), "date": occ.date.isoformat(),
            "time": occ.start_time.strftime("%H:%M"), "original_date": occ.original_date.isoformat(),
            "moved": occ.moved, "moved_reason": occ.moved_reason, "leader": names.get(occ.leader_id),
            "substitute": names.get(occ.substitute_id), "confirmed": occ.confirmed,
            "attended": names.get(occ.attended_id), "place": occ.place, "subject": occ.subject,
            "accompanying_units": occ.accompanying_units, "notice_published": occ.notice_published_at is not None,
            "notice_due": occ.notice_due.isoformat(), "group": occ.group_name, "visitors": occ.visitors}



def ledger_entries(session: Session, *, user: CurrentUser, leader_id: int, start: date, end: date) -> list[dict]:
    """一人一档: every visitor this leader received in the period, the demand, the answer given on
    the spot, and the case it became with its stage and result. Visitors' names and phones only
    for roles that see personal data."""
    from core.ledger import mask_name, mask_phone
    from core.auth import sees_personal_data
    from core.models import Case
    if not user.has(*READERS):
        raise DomainError("error.permission")
    if user.has(Role.leader) and not user.has(Role.clerk, Role.admin, Role.supervisor) \
            and leader_id_of(session, user) != leader_id:
        raise DomainError("error.permission")
    days = {o.day_id: o for o in ledger_days(session, leader_id=leader_id, start=start, end=end)}
    if not days:
        return []
    personal = sees_personal_data(user)
    rows = session.exec(select(ReceptionVisitor, Case).join(Case, Case.id == ReceptionVisitor.case_id, isouter=True)
                        .where(ReceptionVisitor.reception_day_id.in_(list(days)))
                        .order_by(ReceptionVisitor.reception_day_id, ReceptionVisitor.id)).all()
    entries = []
    for visitor, case in rows:
        occ = days[visitor.reception_day_id]
        entries.append({
            "date": occ.date, "reception": occ.name, "visitor": visitor.name if personal else mask_name(visitor.name),
            "phone": (visitor.phone or "") if personal else mask_phone(visitor.phone), "address": visitor.address,
            "demand": visitor.demand, "on_site_answer": visitor.on_site_answer,
            "tracking_code": case.tracking_code if case else "", "status": case.status if case else None,
            "due_at": case.due_at if case else None, "result": (case.result_summary or "") if case else "",
            "rating": case.rating if case else None})
    return entries
