"""Early warning (抓苗头, S4): many cases of one category from one village or township within a
few hours point to a group problem forming; a case re-reported at the same place and category
within 90 days of closing says the first answer did not hold. Alerts are computed in SQL at
`now`; leaders acknowledge them with a note. Thresholds are editable settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from core.auth import CurrentUser
from core.errors import DomainError
from core.models import AlertAck, AppSetting, Case, CaseStatus as S, Category, Role, Unit

DEFAULTS = {"alert.cluster_cases": 5, "alert.cluster_hours": 72, "alert.rereport_days": 90}
LIMITS = {"alert.cluster_cases": (2, 100), "alert.cluster_hours": (1, 24 * 30), "alert.rereport_days": (7, 365)}
RECENT_DAYS = 30  # re-reports are looked for among cases received this recently
WATCHERS = (Role.leader, Role.clerk, Role.supervisor, Role.admin)
EDITORS = (Role.admin, Role.clerk)


def setting(session: Session, key: str) -> int:
    row = session.get(AppSetting, key)
    return int(row.value) if row else DEFAULTS[key]


def set_setting(session: Session, *, actor: CurrentUser, key: str, value: int, now: datetime) -> None:
    if not actor.has(*EDITORS):
        raise DomainError("error.permission")
    low, high = LIMITS[key]
    if not low <= int(value) <= high:
        raise DomainError("error.setting_range", field=key, low=low, high=high)
    row = session.get(AppSetting, key) or AppSetting(key=key, value="")
    row.value, row.updated_at, row.updated_by_id = str(int(value)), now, actor.id
    session.add(row)
    session.flush()


@dataclass(frozen=True)
class Alert:
    kind: str  # cluster | rereport
    key: str
    place: str
    category: str
    count: int
    first_at: datetime
    case_ids: tuple[int, ...]
    acknowledged_note: str | None = None
    acknowledged_at: datetime | None = None


def _place():
    return func.coalesce(Case.village_id, Case.township_id)


def clusters(session: Session, *, now: datetime, cases: int | None = None, hours: int | None = None) -> list[Alert]:
    """At least `cases` cases of one category from one village (or township, when no village
    was given) received within the last `hours` hours."""
    cases = cases or setting(session, "alert.cluster_cases")
    hours = hours or setting(session, "alert.cluster_hours")
    place = _place().label("place")
    window = sa.and_(Case.received_at >= now - timedelta(hours=hours), Case.received_at <= now,
                     Case.status != S.merged, Case.category_id.is_not(None), _place().is_not(None))
    groups = session.exec(select(place, Case.category_id, func.count(), func.min(Case.id), func.min(Case.received_at))
                          .where(window).group_by(_place(), Case.category_id)
                          .having(func.count() >= cases)).all()
    found = []
    for place_id, category_id, count, first_id, first_at in groups:
        ids = session.exec(select(Case.id).where(window, _place() == place_id, Case.category_id == category_id)
                           .order_by(Case.received_at)).all()
        found.append(Alert(kind="cluster", key=f"cluster:{place_id}:{category_id}:{first_id}",
                           place=_name(session, Unit, place_id), category=_name(session, Category, category_id, "name_zh"),
                           count=count, first_at=first_at, case_ids=tuple(ids)))
    return found


def rereports(session: Session, *, now: datetime, days: int | None = None) -> list[Alert]:
    """Open cases received in the last 30 days whose place and category match a case closed in
    the `days` days before they came in."""
    days = days or setting(session, "alert.rereport_days")
    earlier = aliased(Case)
    rows = session.exec(
        select(Case.id, Case.received_at, _place(), Case.category_id, func.count(earlier.id))
        .join(earlier, sa.and_(func.coalesce(earlier.village_id, earlier.township_id) == _place(),
                               earlier.category_id == Case.category_id, earlier.id != Case.id,
                               earlier.status.in_((S.closed, S.explained)), earlier.closed_at <= Case.received_at,
                               earlier.closed_at >= _days_before(session, Case.received_at, days)))
        .where(Case.received_at >= now - timedelta(days=RECENT_DAYS), Case.received_at <= now,
               Case.status.not_in((S.closed, S.explained, S.merged)), Case.category_id.is_not(None))
        .group_by(Case.id, Case.received_at, _place(), Case.category_id)).all()
    return [Alert(kind="rereport", key=f"rereport:{case_id}", place=_name(session, Unit, place_id),
                  category=_name(session, Category, category_id, "name_zh"), count=n + 1, first_at=received,
                  case_ids=(case_id,)) for case_id, received, place_id, category_id, n in rows]


def _days_before(session: Session, column, days: int):
    """column − days, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return func.datetime(column, f"-{int(days)} days")
    return column - timedelta(days=days)


def _name(session: Session, model, row_id: int | None, column: str = "name") -> str:
    row = session.get(model, row_id) if row_id else None
    return getattr(row, column) if row else ""


def active(session: Session, *, user: CurrentUser, now: datetime) -> list[Alert]:
    """Every alert now, unacknowledged first, with its acknowledgement when there is one."""
    if not user.has(*WATCHERS):
        raise DomainError("error.permission")
    found = clusters(session, now=now) + rereports(session, now=now)
    acks = {row.alert_key: row for row in session.exec(select(AlertAck).where(
        AlertAck.alert_key.in_([a.key for a in found]))).all()} if found else {}
    result = [Alert(**{**a.__dict__, "acknowledged_note": acks[a.key].note if a.key in acks else None,
                       "acknowledged_at": acks[a.key].acknowledged_at if a.key in acks else None}) for a in found]
    return sorted(result, key=lambda a: (a.acknowledged_at is not None, a.kind != "cluster", -a.count, a.first_at))


def acknowledge(session: Session, *, actor: CurrentUser, key: str, note: str, now: datetime) -> AlertAck:
    """A leader (or the center) has seen the alert and says what is being done."""
    if not actor.has(*WATCHERS):
        raise DomainError("error.permission")
    if not (note or "").strip():
        raise DomainError("error.fields_missing", field="note", fields=["note"])
    if session.exec(select(AlertAck).where(AlertAck.alert_key == key)).first() is not None:
        raise DomainError("error.alert_acknowledged")
    row = AlertAck(alert_key=key[:80], note=note.strip()[:500], acknowledged_at=now, acknowledged_by_id=actor.id)
    session.add(row)
    session.flush()
    return row
