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

from core import county_settings
from core.auth import CurrentUser
from core.errors import DomainError
from core.models import AlertAck, Case, CaseStatus as S, Category, Role, Unit

RECENT_DAYS = 7  # re-reports are looked for among cases received this recently (a new signal)
WATCHERS = (Role.leader, Role.clerk, Role.supervisor, Role.admin)


def setting(session: Session, key: str) -> int:
    return county_settings.value(session, key)


@dataclass(frozen=True)
class Alert:
    kind: str  # cluster | rereport
    key: str
    place: str
    category: str
    count: int
    first_at: datetime
    case_ids: tuple[int, ...]
    category_en: str = ""
    acknowledged_note: str | None = None
    acknowledged_at: datetime | None = None


def _place():
    return func.coalesce(Case.village_id, Case.township_id)


def _cluster_groups(session: Session, now: datetime, cases: int | None, hours: int | None) -> tuple[tuple, sa.Select]:
    """The window's conditions, and its (place, category) groups of at least `cases` cases."""
    cases = cases or setting(session, "alert.cluster_cases")
    hours = hours or setting(session, "alert.cluster_hours")
    window = (Case.received_at >= now - timedelta(hours=hours), Case.received_at <= now, Case.status != S.merged,
              Case.category_id.is_not(None), _place().is_not(None))
    return window, (select(_place(), Case.category_id).where(*window).group_by(_place(), Case.category_id)
                    .having(func.count() >= cases))


def clusters(session: Session, *, now: datetime, cases: int | None = None, hours: int | None = None,
             limit: int | None = None) -> list[Alert]:
    """At least `cases` cases of one category from one village (or township, when no village
    was given) received within the last `hours` hours, the largest first (then the earliest), at
    most `limit` of them. Grouped in SQL, and only the kept clusters' cases read: on the demo's
    density every village and category is a cluster (55,000 cases a day at 10 million)."""
    window, groups = _cluster_groups(session, now, cases, hours)
    kept = {(place_id, category_id): [] for place_id, category_id in session.exec(groups.order_by(
        func.count().desc(), func.min(Case.received_at), _place(), Case.category_id).limit(limit)).all()}
    if not kept:
        return []
    rows = session.exec(select(_place(), Case.category_id, Case.id, Case.received_at).where(
        *window, sa.tuple_(_place(), Case.category_id).in_(list(kept))).order_by(Case.received_at, Case.id)).all()
    for place_id, category_id, case_id, received in rows:
        kept[(place_id, category_id)].append((case_id, received))
    names, categories, categories_en = _names(session)
    return [Alert(kind="cluster", key=f"cluster:{place_id}:{category_id}:{found[0][0]}", place=names.get(place_id, ""),
                  category=categories.get(category_id, ""),
                  category_en=categories_en.get(category_id, ""), count=len(found), first_at=found[0][1],
                  case_ids=tuple(case_id for case_id, _at in found))
            for (place_id, category_id), found in kept.items()]


def cluster_count(session: Session, *, now: datetime) -> int:
    """How many clusters there are now (see clusters)."""
    _window, groups = _cluster_groups(session, now, None, None)
    return session.exec(select(func.count()).select_from(groups.subquery())).one()


def _earlier_closed(session: Session, days: int) -> tuple:
    """Closed cases at the same place and category as `Case`, closed in the `days` before it came
    in: by village, or by township for cases with no village — two conditions, each of which an
    index (place, category, closed_at) answers, rather than one OR that none can."""
    earlier = aliased(Case)
    common = sa.and_(earlier.category_id == Case.category_id, earlier.id != Case.id,
                     earlier.closed_at <= Case.received_at,
                     earlier.closed_at >= _days_before(session, Case.received_at, days),
                     earlier.status.in_((S.closed, S.explained)))
    by_village = sa.and_(Case.village_id.is_not(None), earlier.village_id == Case.village_id, common)
    by_township = sa.and_(Case.village_id.is_(None), earlier.village_id.is_(None),
                          earlier.township_id == Case.township_id, common)
    return earlier, (by_village, by_township)


def repeats_a_closed_case(session: Session) -> sa.ColumnElement[bool]:
    """A case at the place and in the category of a case closed within the re-report window
    before it came in: the answer given the first time did not hold."""
    earlier, matches = _earlier_closed(session, setting(session, "alert.rereport_days"))
    return sa.and_(Case.category_id.is_not(None), sa.or_(*(select(earlier.id).where(m).exists() for m in matches)))


def _rereported(session: Session, *, now: datetime, days: int | None) -> sa.Select:
    """Open cases received in the last week whose place and category match a case closed in
    the `days` days before they came in (the answer given did not hold), newest first."""
    earlier, matches = _earlier_closed(session, days or setting(session, "alert.rereport_days"))
    return (select(Case.id, Case.received_at, _place(), Case.category_id)
            .where(Case.received_at >= now - timedelta(days=RECENT_DAYS), Case.received_at <= now,
                   Case.status.not_in((S.closed, S.explained, S.merged)), Case.category_id.is_not(None),
                   sa.or_(*(select(earlier.id).where(match).exists() for match in matches)))
            .order_by(Case.received_at.desc()))


def rereports(session: Session, *, now: datetime, days: int | None = None, limit: int | None = None) -> list[Alert]:
    """The re-reports (see _rereported), the newest `limit` of them."""
    rows = session.exec(_rereported(session, now=now, days=days).limit(limit)).all()
    names, categories, categories_en = _names(session)
    return [Alert(kind="rereport", key=f"rereport:{case_id}", place=names.get(place_id, ""),
                  category=categories.get(category_id, ""),
                  category_en=categories_en.get(category_id, ""), count=1, first_at=received, case_ids=(case_id,))
            for case_id, received, place_id, category_id in rows]


def cases_behind(session: Session, alert: Alert) -> sa.ColumnElement[bool]:
    """The cases an alert is about: a cluster's cases; a re-report and the closed cases it repeats."""
    if alert.kind == "cluster":
        return Case.id.in_(alert.case_ids)
    earlier, matches = _earlier_closed(session, setting(session, "alert.rereport_days"))
    repeated = select(earlier.id).where(sa.or_(*matches), Case.id == alert.case_ids[0])
    return sa.or_(Case.id.in_(alert.case_ids), Case.id.in_(repeated.scalar_subquery().correlate(None)))


def _names(session: Session) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Unit names, and category names in Chinese and English."""
    categories = session.exec(select(Category.id, Category.name_zh, Category.name_en)).all()
    return (dict(session.exec(select(Unit.id, Unit.name)).all()), {i: zh for i, zh, _en in categories},
            {i: en for i, _zh, en in categories})


def _days_before(session: Session, column, days: int):
    """column − days, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return func.datetime(column, f"-{int(days)} days")
    return column - timedelta(days=days)


SHOWN = 200  # per kind: more unacknowledged alerts than this are read as a list of cases, not alerts
COUNTED = 1_000  # re-reports counted up to this many; past it the dashboard says "more than"


@dataclass(frozen=True)
class Candidates:
    shown: list[Alert]
    total: int  # how many alerts there are in all, or at least (more_than)
    more_than: bool = False


def candidates(session: Session, *, now: datetime) -> Candidates:
    """The alerts now, before acknowledgements (the costly part, cached by the dashboard): the
    largest clusters and the newest re-reports, at most SHOWN of each; and how many there are.
    Why re-reports are counted only up to COUNTED: each open case of the week is checked against
    the closed cases of its place, and on the 10,000,000-case demo (55,000 cases a day) counting
    every one of 350,000 took seconds; a count past a thousand says the same to a leader."""
    found_clusters = clusters(session, now=now, limit=SHOWN)
    rereported = session.exec(select(func.count()).select_from(
        _rereported(session, now=now, days=None).order_by(None).limit(COUNTED + 1).subquery())).one()
    cluster_total = len(found_clusters) if len(found_clusters) < SHOWN else cluster_count(session, now=now)
    return Candidates(shown=found_clusters + rereports(session, now=now, limit=SHOWN),
                      total=cluster_total + min(rereported, COUNTED), more_than=rereported > COUNTED)


def with_acks(session: Session, *, user: CurrentUser, found: list[Alert]) -> list[Alert]:
    """The alerts with their acknowledgements, unacknowledged and clusters first."""
    if not user.has(*WATCHERS):
        raise DomainError("error.permission")
    keys = {a.key for a in found}
    acks = {row.alert_key: row for row in session.exec(select(AlertAck)).all() if row.alert_key in keys}
    result = [Alert(**{**a.__dict__, "acknowledged_note": acks[a.key].note if a.key in acks else None,
                       "acknowledged_at": acks[a.key].acknowledged_at if a.key in acks else None}) for a in found]
    return sorted(result, key=lambda a: (a.acknowledged_at is not None, a.kind != "cluster", -a.count,
                                         -a.first_at.timestamp()))


def active(session: Session, *, user: CurrentUser, now: datetime) -> list[Alert]:
    if not user.has(*WATCHERS):
        raise DomainError("error.permission")
    return with_acks(session, user=user, found=candidates(session, now=now).shown)


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
