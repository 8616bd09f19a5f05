"""The numbers leaders watch — the four 100 % (S2 §三.6) and the rest — each defined once here,
aggregated in SQL from the milestone columns and the event log, and traceable to its cases:
`behind(key, …)` is the SQL condition that selects exactly the cases a figure counts.

Period rule: a KPI over [start, end] is about the *cohort* of cases received in those days (merged
duplicates left out), as they stand at `now`. Backlog and overdue are snapshots at `now`.
Participation counts who was active in the period (liaisons who reported, units that acted)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core.ledger import OPEN_STATUSES, is_overdue_clause
from core.models import (Case, CaseEvent, CaseStatus as S, Category, Channel, Circular, Liaison, Rating, Role, Tier,
                         Unit, User)

CLOSED = (S.closed, S.explained)
SATISFIED = (Rating.satisfied, Rating.basically_satisfied)


@dataclass(frozen=True)
class KpiFilter:
    start: date
    end: date  # inclusive
    township_id: int | None = None
    category_id: int | None = None
    unit_id: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min)


def _scope(f: KpiFilter) -> list[sa.ColumnElement[bool]]:
    where = []
    if f.township_id:
        where.append(Case.township_id == f.township_id)
    if f.category_id:
        where.append(Case.category_id == f.category_id)
    if f.unit_id:
        where.append(Case.unit_id == f.unit_id)
    return where


def cohort(f: KpiFilter) -> sa.ColumnElement[bool]:
    """Cases received in the period (merged duplicates are counted once, in their master)."""
    return sa.and_(Case.received_at >= f.since, Case.received_at < f.until, Case.status != S.merged, *_scope(f))


# ---- the definitions: each a condition on a cohort case -------------------------------------------
# (numerator, denominator) per rate; the README's KPI table is written from these.
_closed = Case.status.in_(CLOSED)
_handled = sa.or_(Case.approved_at.is_not(None), _closed)
CONDITIONS: dict[str, sa.ColumnElement[bool]] = {
    "received": sa.true(),
    "closed": _closed,
    # on time: the unit's (last) report — or the close, for cases no unit reported on — by the deadline
    "on_time": sa.and_(_closed, sa.or_(Case.due_at.is_(None),
                                       func.coalesce(Case.reported_at, Case.closed_at) <= Case.due_at)),
    "handled": _handled,
    "fed_back": sa.and_(_handled, sa.or_(Case.fed_back_at.is_not(None), Case.tier == Tier.on_spot,
                                         Case.status == S.explained)),
    "followed_up": sa.and_(_closed, Case.followed_up_at.is_not(None)),
    "rated": Case.rating.is_not(None),
    "satisfied": Case.rating.in_(SATISFIED),
    "first_rated": Case.first_rating.is_not(None),
    "first_satisfied": Case.first_rating.in_(SATISFIED),
    "reported": Case.reported_at.is_not(None),
    "returned": Case.return_count > 0,
    "dispatched": Case.dispatched_at.is_not(None),
    "misrouted": Case.misroute_count > 0,
    "open": Case.status.in_(OPEN_STATUSES),
}
RATES: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "received"),
    "on_time_rate": ("on_time", "closed"),
    "feedback_rate": ("fed_back", "handled"),
    "follow_up_rate": ("followed_up", "closed"),
    "satisfaction_rate": ("satisfied", "rated"),
    "first_satisfaction_rate": ("first_satisfied", "first_rated"),
    "return_rate": ("returned", "reported"),
    "misroute_rate": ("misrouted", "dispatched"),
}
FOUR_100 = ("closure_rate", "feedback_rate", "satisfaction_rate", "participation_rate")


def rate(numerator: int, denominator: int) -> float | None:
    """None when nothing was there to count (no ratings is not 0 % satisfied)."""
    return numerator / denominator if denominator else None


def _sums(conditions: dict[str, sa.ColumnElement[bool]]) -> list:
    return [func.coalesce(func.sum(sa.case((cond, 1), else_=0)), 0).label(key) for key, cond in conditions.items()]


@dataclass
class Kpis:
    filters: KpiFilter
    now: datetime
    counts: dict[str, int]
    by_channel: dict[str, int]
    backlog: int
    overdue: int
    liaisons_active: int
    liaisons_total: int
    units_active: int
    units_involved: int
    response_hours: dict[str, float | None] = field(default_factory=dict)
    handling_hours: dict[str, float | None] = field(default_factory=dict)

    @property
    def rates(self) -> dict[str, float | None]:
        found = {key: rate(self.counts[num], self.counts[den]) for key, (num, den) in RATES.items()}
        found["participation_rate"] = rate(self.liaisons_active + self.units_active,
                                           self.liaisons_total + self.units_involved)
        return found

    def as_dict(self) -> dict:
        """Every KPI, for the CLI's JSON and the reports."""
        return {
            "from": self.filters.start.isoformat(), "to": self.filters.end.isoformat(),
            "now": self.now.isoformat(timespec="minutes"),
            "received": self.counts["received"], "received_by_channel": self.by_channel,
            **{key: self.counts[key] for key in CONDITIONS if key not in ("received",)},
            **{key: None if value is None else round(value, 4) for key, value in self.rates.items()},
            "liaisons_active": self.liaisons_active, "liaisons_total": self.liaisons_total,
            "units_active": self.units_active, "units_involved": self.units_involved,
            "response_hours_median": self.response_hours.get("median"),
            "response_hours_p90": self.response_hours.get("p90"),
            "handling_hours_median": self.handling_hours.get("median"),
            "handling_hours_p90": self.handling_hours.get("p90"),
            "backlog": self.backlog, "overdue": self.overdue,
        }


def compute(session: Session, filters: KpiFilter, *, now: datetime) -> Kpis:
    """Every KPI of the period in a handful of SQL aggregates."""
    where = cohort(filters)
    row = session.exec(select(*_sums(CONDITIONS)).select_from(Case).where(where)).one()
    counts = {key: int(value) for key, value in row._mapping.items()}
    by_channel = {str(channel): int(n) for channel, n in session.exec(
        select(Case.channel, func.count()).where(where).group_by(Case.channel)).all()}
    scope = _scope(filters)
    backlog = session.exec(select(func.count()).select_from(Case).where(
        Case.status.in_(OPEN_STATUSES), Case.received_at < filters.until, *scope)).one()
    overdue = session.exec(select(func.count()).select_from(Case).where(is_overdue_clause(now), *scope)).one()
    liaisons_active, liaisons_total = _liaisons(session, filters)
    units_active, units_involved = _units(session, filters)
    return Kpis(filters=filters, now=now, counts=counts, by_channel=by_channel, backlog=backlog, overdue=overdue,
                liaisons_active=liaisons_active, liaisons_total=liaisons_total, units_active=units_active,
                units_involved=units_involved,
                response_hours=percentiles(session, where, Case.received_at, Case.accepted_at),
                handling_hours=percentiles(session, where, Case.received_at, Case.closed_at))


def _liaisons(session: Session, f: KpiFilter) -> tuple[int, int]:
    """Liaisons who reported at least one case in the period, of all active liaisons (of the
    township's stations when filtered by township)."""
    active = session.exec(select(func.count(sa.distinct(Case.liaison_id))).where(
        Case.received_at >= f.since, Case.received_at < f.until, Case.liaison_id.is_not(None), *_scope(f))).one()
    total = select(func.count()).select_from(Liaison).where(Liaison.active == True)  # noqa: E712
    if f.township_id:
        total = total.join(Unit, Unit.id == Liaison.station_id).where(
            sa.or_(Unit.parent_id == f.township_id, Unit.id == f.township_id))
    return active, session.exec(total).one()


def _units(session: Session, f: KpiFilter) -> tuple[int, int]:
    """Units that acted (accepted, reported, asked for more time…) in the period, of the units
    that held cases dispatched in it: 参与协同."""
    involved = select(Case.unit_id).distinct().where(
        Case.dispatched_at >= f.since, Case.dispatched_at < f.until, Case.unit_id.is_not(None), *_scope(f))
    acted = (select(func.count(sa.distinct(Case.unit_id))).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.at >= f.since, CaseEvent.at < f.until, CaseEvent.actor_role == Role.unit_handler,
                    Case.unit_id.in_(involved), *_scope(f)))
    return session.exec(acted).one(), session.exec(select(func.count()).select_from(involved.subquery())).one()


def hours_between(session: Session, start, end):
    """end − start in hours, in the database's own date arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def percentiles(session: Session, where, start, end) -> dict[str, float | None]:
    """Median and P90 (nearest rank) of end − start over the cases with both, ordered in SQL:
    one count, then one row fetched at each rank."""
    hours = hours_between(session, start, end)
    scoped = sa.and_(where, start.is_not(None), end.is_not(None))
    n = session.exec(select(func.count()).select_from(Case).where(scoped)).one()
    found: dict[str, float | None] = {}
    for name, q in (("median", 0.5), ("p90", 0.9)):
        if not n:
            found[name] = None
            continue
        rank = max(0, int(-(-q * n // 1)) - 1)  # nearest rank: ceil(q·n), 1-based
        value = session.exec(select(hours).select_from(Case).where(scoped).order_by(hours).offset(rank).limit(1)).one()
        found[name] = round(float(value), 1)
    return found


def behind(key: str, filters: KpiFilter, *, now: datetime) -> sa.ColumnElement[bool]:
    """The cases a figure counts: click a number, get its list (ledger.list_cases extra=)."""
    if key == "backlog":
        return sa.and_(Case.status.in_(OPEN_STATUSES), Case.received_at < filters.until, *_scope(filters))
    if key == "overdue":
        return sa.and_(is_overdue_clause(now), *_scope(filters))
    if key == "not_on_time":
        return sa.and_(cohort(filters), CONDITIONS["closed"], sa.not_(CONDITIONS["on_time"]))
    if key == "dissatisfied":
        return sa.and_(cohort(filters), Case.rating == Rating.dissatisfied)
    if key in RATES:
        key = RATES[key][0]
    if key.startswith("channel:"):
        return sa.and_(cohort(filters), Case.channel == Channel(key.split(":", 1)[1]))
    return sa.and_(cohort(filters), CONDITIONS[key])


# ---- breakdowns, trends and rankings ---------------------------------------------------------------

GROUPS = {"township": Case.township_id, "category": Case.category_id, "unit": Case.unit_id}


def by_group(session: Session, filters: KpiFilter, *, group: str) -> pd.DataFrame:
    """The same counts per township, category or unit, with names and rates: one GROUP BY.
    Cases with no township (category, unit) form one row with id None, so the rows add up to
    the county's figures."""
    column = GROUPS[group]
    rows = session.exec(select(column.label("id"), *_sums(CONDITIONS)).where(cohort(filters))
                        .group_by(column)).all()
    frame = pd.DataFrame([r._mapping for r in rows], columns=["id", *CONDITIONS])
    if group == "category":
        names = dict(session.exec(select(Category.id, Category.name_zh)).all())
    else:
        names = dict(session.exec(select(Unit.id, Unit.name)).all())
    frame["id"] = frame["id"].astype("Int64")
    frame.insert(1, "name", frame["id"].map(lambda i: names.get(i, "") if pd.notna(i) else ""))
    for key, (num, den) in RATES.items():
        frame[key] = (frame[num] / frame[den].where(frame[den] > 0)).astype(float)
    return frame.sort_values("received", ascending=False).reset_index(drop=True)


def channels_by_group(session: Session, filters: KpiFilter, *, group: str) -> dict[tuple, int]:
    """{(group id, channel): cases received} over the cohort."""
    column = GROUPS[group]
    return {(gid, str(channel)): int(n) for gid, channel, n in session.exec(
        select(column, Case.channel, func.count()).where(cohort(filters)).group_by(column, Case.channel)).all()}


def weekly(session: Session, filters: KpiFilter) -> pd.DataFrame:
    """Cases received and closed per week (weeks start on Monday): counted per day in SQL."""
    day_received = func.date(Case.received_at)
    received = session.exec(select(day_received, func.count()).where(cohort(filters)).group_by(day_received)).all()
    day_closed = func.date(Case.closed_at)
    closed = session.exec(select(day_closed, func.count()).where(
        Case.closed_at >= filters.since, Case.closed_at < filters.until, Case.status.in_(CLOSED), *_scope(filters))
        .group_by(day_closed)).all()
    frame = pd.DataFrame(
        [(pd.Timestamp(str(d)), n, 0) for d, n in received] + [(pd.Timestamp(str(d)), 0, n) for d, n in closed],
        columns=["day", "received", "closed"])
    if frame.empty:
        return pd.DataFrame(columns=["week", "received", "closed"])
    frame["week"] = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
    return frame.groupby("week", as_index=False)[["received", "closed"]].sum()


# Composite score (0–100) for rankings; weights sum to 1.
SCORE_WEIGHTS = {"on_time_rate": 0.4, "satisfaction_rate": 0.3, "closure_rate": 0.2, "return_rate": -0.1}
SCORE_FLOOR = 60
MIN_CASES = {"unit": 10, "township": 20}


def ranking(session: Session, filters: KpiFilter, *, group: str, min_cases: int | None = None) -> pd.DataFrame:
    """Units or townships ranked by score = 100 × (0.4 on-time + 0.3 satisfaction + 0.2 closure
    + 0.1 × (1 − return rate)); a missing rate counts as the county's. Why a minimum case count:
    one case closed on time would otherwise top the list. Circulars received in the period are
    shown (units); a score under 60 is flagged."""
    frame = by_group(session, filters, group=group)
    frame = frame[frame["id"].notna()]
    minimum = MIN_CASES[group] if min_cases is None else min_cases
    frame = frame[frame["received"] >= minimum].copy()
    county = compute_rates(session, filters)
    score = 0.0
    for key, weight in SCORE_WEIGHTS.items():
        values = frame[key].fillna(county.get(key) or 0.0)
        score = score + (weight * values if weight > 0 else -weight * (1 - values))
    frame["score"] = (100 * score).round(1)
    frame["circulars"] = 0
    if group == "unit":
        issued = dict(session.exec(select(Circular.unit_id, func.count()).where(
            Circular.issued_at >= filters.since, Circular.issued_at < filters.until).group_by(Circular.unit_id)).all())
        frame["circulars"] = frame["id"].map(issued).fillna(0).astype(int)
    frame["flagged"] = frame["score"] < SCORE_FLOOR
    frame = frame.sort_values(["score", "received"], ascending=[False, False]).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def compute_rates(session: Session, filters: KpiFilter) -> dict[str, float | None]:
    row = session.exec(select(*_sums(CONDITIONS)).select_from(Case).where(cohort(filters))).one()
    counts = dict(row._mapping)
    return {key: rate(counts[num], counts[den]) for key, (num, den) in RATES.items()}


def admin_counters(session: Session) -> list[tuple[str, int]]:
    active = session.exec(select(func.count()).select_from(User).where(User.active == True)).one()  # noqa: E712
    total = session.exec(select(func.count()).select_from(User)).one()
    return [
        ("counter.active_users", active),
        ("counter.disabled_users", total - active),
        ("counter.units", session.exec(select(func.count()).select_from(Unit)).one()),
        ("counter.liaisons", session.exec(select(func.count()).select_from(Liaison)).one()),
    ]
