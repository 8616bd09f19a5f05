"""The numbers leaders watch — the four 100 % (S2 §三.6) and the rest — each defined once here,
aggregated in SQL from the milestone columns and the event log, and traceable to its cases:
`behind(key, …)` is the SQL condition that selects exactly the cases a figure counts.

Period rule: a KPI over [start, end] is about the *cohort* of cases received in those days (merged
duplicates left out), as they stand at `now`. Backlog and overdue are snapshots at `now` of the
same cases: those received before the period's end (so the overdue are a part of the backlog).
Participation counts who was active in the period (liaisons who reported, units that acted)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import county_settings
from core.ledger import OPEN_STATUSES, is_overdue_clause
from core.workflow import TERMINAL
from core.models import (Case, CaseAction, CaseEvent, CaseStatus as S, Category, Channel, Circular, Liaison, Rating, Tier,
                         Unit, UnitKind, User, case_hours, case_rollup, channel_column)

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


def months_around(day: date, *, back: int, ahead: int = 0) -> list[date]:
    """First days of the months from `back` months before `day`'s month to `ahead` after, oldest first."""
    index = day.year * 12 + day.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - back, index + ahead + 1)]


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
    # a case closed without a time limit (on the spot, a meeting's, an old ledger's) is neither on
    # time nor late: it is counted apart, not as 100 % on time
    "closed_with_deadline": sa.and_(_closed, Case.due_at.is_not(None)),
    # on time: the unit's (last) report — or the close, for cases no unit reported on — by the deadline
    "on_time": sa.and_(_closed, Case.due_at.is_not(None),
                       func.coalesce(Case.reported_at, Case.closed_at) <= Case.due_at),
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
    # a unit took the case on: it accepted it, reported on it, or (an imported ledger's case, whose
    # acceptance was never written down) it was dispatched and is closed
    "taken_on": sa.or_(Case.accepted_at.is_not(None), Case.reported_at.is_not(None),
                       sa.and_(Case.dispatched_at.is_not(None), _closed)),
    "misrouted": Case.misroute_count > 0,
    "open": Case.status.in_(OPEN_STATUSES),
    "imported": Case.imported == True,  # noqa: E712  (from a ledger: who reported it was not recorded)
}
RATES: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "received"),
    "on_time_rate": ("on_time", "closed_with_deadline"),
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


def rates_of(counts: dict[str, int]) -> dict[str, float | None]:
    """Every rate of RATES from counts of CONDITIONS."""
    return {key: rate(counts[num], counts[den]) for key, (num, den) in RATES.items()}


def totals(counted: pd.DataFrame) -> dict[str, int]:
    """The county's counts of CONDITIONS, summed from the period's cube."""
    return {key: int(counted[key].sum()) for key in CONDITIONS}


def _sums(conditions: dict[str, sa.ColumnElement[bool]]) -> list:
    return [func.coalesce(func.sum(sa.case((cond, 1), else_=0)), 0).label(key) for key, cond in conditions.items()]


CUBE_KEYS = ("township_id", "category_id", "unit_id")
CHANNEL_COLUMNS = {channel_column(ch): ch.value for ch in Channel}


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The first days of the first and last calendar months wholly inside [start, end], if any."""
    first = start if start.day == 1 else months_around(start, back=0, ahead=1)[1]
    after = end + timedelta(days=1)
    last_end = after if after.day == 1 else after.replace(day=1)  # first day after the last whole month
    if first >= last_end:
        return None
    return first, months_around(last_end, back=1)[0]


def _kept_scope(table: sa.Table, f: KpiFilter, *, by_day: bool = False) -> list[sa.ColumnElement[bool]]:
    """The period and the filters on a kept table (core.rollup): its whole months from the month
    rows, the days before and after them from the day rows (only day rows when `by_day`)."""
    t, months = table.c, None if by_day else whole_months(f.start, f.end)
    if months is None:
        period = sa.and_(t.span == "day", t.day >= f.start, t.day <= f.end)
    else:
        first, last = months
        period = sa.or_(sa.and_(t.span == "month", t.day >= first, t.day <= last),
                        sa.and_(t.span == "day", t.day >= f.start, t.day < first),
                        sa.and_(t.span == "day", t.day >= months_around(last, back=0, ahead=1)[1], t.day <= f.end))
    where = [period]
    for key in CUBE_KEYS:
        if getattr(f, key) and key in t:
            where.append(t[key] == getattr(f, key))
    return where


def cube(session: Session, filters: KpiFilter) -> pd.DataFrame:
    """Every count of CONDITIONS, and the cases received per channel, per (township, category,
    unit) over the cohort, summed from the rows core.rollup keeps per day: a year is a few
    thousand rows, whatever the number of cases. Totals, the channel split and every breakdown
    are summed from it."""
    t = case_rollup
    counts = [*CONDITIONS, *CHANNEL_COLUMNS]
    rows = session.exec(select(*(t.c[k] for k in CUBE_KEYS), *(func.sum(t.c[c]) for c in counts))
                        .where(*_kept_scope(t, filters)).group_by(*(t.c[k] for k in CUBE_KEYS))).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[*CUBE_KEYS, *counts])
    for key in CUBE_KEYS:  # 0 is kept for "none"
        frame[key] = frame[key].astype("Int64").mask(frame[key] == 0)
    for column in counts:
        frame[column] = frame[column].fillna(0).astype(int)
    return frame[frame["received"] > 0].reset_index(drop=True)


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
    def liaisons_apply(self) -> bool:
        """Whether the liaisons' part of participation can be known: not when every case of the
        period came from an imported ledger, which does not record who reported it (that is "not
        applicable", not 0 %)."""
        return self.counts["imported"] == 0 or self.counts["received"] > self.counts["imported"]

    @property
    def participation(self) -> tuple[int, int]:
        """参与协同率's count and base: the liaisons and units who took part, of those who could."""
        liaisons = (self.liaisons_active, self.liaisons_total) if self.liaisons_apply else (0, 0)
        return liaisons[0] + self.units_active, liaisons[1] + self.units_involved

    @property
    def rates(self) -> dict[str, float | None]:
        found = rates_of(self.counts)
        found["participation_rate"] = rate(*self.participation)
        return found

    @property
    def no_deadline(self) -> int:
        """Closed cases that had no time limit: shown apart from the on-time rate."""
        return self.counts["closed"] - self.counts["closed_with_deadline"]

    def as_dict(self) -> dict:
        """Every KPI, for the CLI's JSON and the reports."""
        return {
            "from": self.filters.start.isoformat(), "to": self.filters.end.isoformat(),
            "now": self.now.isoformat(timespec="minutes"),
            "received": self.counts["received"], "received_by_channel": self.by_channel,
            **{key: self.counts[key] for key in CONDITIONS if key not in ("received",)},
            **{key: None if value is None else round(value, 4) for key, value in self.rates.items()},
            "closed_without_deadline": self.no_deadline, "liaisons_apply": self.liaisons_apply,
            "liaisons_active": self.liaisons_active, "liaisons_total": self.liaisons_total,
            "units_active": self.units_active, "units_involved": self.units_involved,
            "response_hours_median": self.response_hours.get("median"),
            "response_hours_p90": self.response_hours.get("p90"),
            "handling_hours_median": self.handling_hours.get("median"),
            "handling_hours_p90": self.handling_hours.get("p90"),
            "backlog": self.backlog, "overdue": self.overdue,
        }


def compute(session: Session, filters: KpiFilter, *, now: datetime, counted: pd.DataFrame | None = None) -> Kpis:
    """Every KPI of the period in a handful of SQL aggregates (`counted`: the period's cube, when
    the caller has it already)."""
    counted = cube(session, filters) if counted is None else counted
    counts = totals(counted)
    by_channel = {CHANNEL_COLUMNS[c]: int(counted[c].sum()) for c in CHANNEL_COLUMNS if counted[c].sum()}
    scope = [*_scope(filters), *_received_by_end(session, filters)]
    backlog = session.exec(select(func.count()).select_from(Case).where(Case.status.in_(OPEN_STATUSES), *scope)).one()
    overdue = session.exec(select(func.count()).select_from(Case).where(is_overdue_clause(now), *scope)).one()
    liaisons_active, liaisons_total = _liaisons(session, filters)
    units_active, units_involved = _units(counted)
    return Kpis(filters=filters, now=now, counts=counts, by_channel=by_channel, backlog=backlog, overdue=overdue,
                liaisons_active=liaisons_active, liaisons_total=liaisons_total, units_active=units_active,
                units_involved=units_involved,
                response_hours=percentiles(session, filters, "response"),
                handling_hours=percentiles(session, filters, "handling"))


def _liaisons(session: Session, f: KpiFilter) -> tuple[int, int]:
    """Liaisons who reported at least one case in the period, of all active liaisons (of the
    township's stations when filtered by township)."""
    period = [Case.received_at >= f.since, Case.received_at < f.until]
    if _scope(f):  # a part's cases of the period are few: count them through its index
        active = session.exec(select(func.count(sa.distinct(Case.liaison_id))).where(
            *period, Case.liaison_id.is_not(None), *_scope(f))).one()
    else:  # the county's are many: one seek per liaison (ix_case_liaison_received) instead
        active = session.exec(select(func.count()).select_from(Liaison).where(
            sa.exists().where(Case.liaison_id == Liaison.id, *period))).one()
    total = select(func.count()).select_from(Liaison).where(Liaison.active == True)  # noqa: E712
    if f.township_id:
        total = total.join(Unit, Unit.id == Liaison.station_id).where(
            sa.or_(Unit.parent_id == f.township_id, Unit.id == f.township_id))
    return active, session.exec(total).one()


def _units(counted: pd.DataFrame) -> tuple[int, int]:
    """参与协同 of units: units that took on a case of the cohort, of the units the cohort's cases
    were dispatched to — read from the period's cube."""
    per_unit = counted[counted["unit_id"].notna()].groupby("unit_id")[["taken_on", "dispatched"]].sum()
    return int((per_unit["taken_on"] > 0).sum()), int((per_unit["dispatched"] > 0).sum())


MEASURES = {"response": Case.accepted_at, "handling": Case.closed_at}  # hours from receipt to these


def toward_zero(dialect: str, value):
    """Toward zero, as an integer, the same on both databases."""
    if dialect == "postgresql":
        return sa.cast(func.trunc(value), sa.Integer)
    return sa.cast(value, sa.Integer)


def minutes(dialect: str, start, end):
    """end − start in whole minutes (rounded), in the database's own date arithmetic. Why round:
    SQLite's julianday difference of a 25-hour span is 24.99999… hours."""
    if dialect == "postgresql":
        return func.round(func.extract("epoch", end - start) / 60)
    return func.round((func.julianday(end) - func.julianday(start)) * 1440.0)


def hour_bucket(dialect: str, start, end):
    """end − start in tenths of an hour, cut (toward zero) to two significant figures: 2.3 h, 26 h,
    150 h. Why cut: order statistics commute with a monotone cut, so a percentile read from the
    buckets core.rollup keeps is exactly the cut percentile of the cases, and a few hundred
    buckets hold any number of cases."""
    spent = minutes(dialect, start, end)
    steps = [(100, 1), (1000, 10), (10000, 100), (100000, 1000)]  # below this many tenths, cut to this step
    return sa.case(*((spent < limit * 6, toward_zero(dialect, spent / (step * 6.0)) * step) for limit, step in steps),
                   else_=toward_zero(dialect, spent / 60000.0) * 10000)


def nearest_rank(buckets: list[tuple[int, int]], q: float) -> int | None:
    """The ⌈q·n⌉-th smallest of n values given as (value, how many), sorted by value."""
    n = sum(count for _value, count in buckets)
    if not n:
        return None
    rank, seen = math.ceil(q * n), 0
    for value, count in buckets:
        seen += count
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to n")


def percentiles(session: Session, filters: KpiFilter, measure: str) -> dict[str, float | None]:
    """Median and P90 (nearest rank) of a measure's hours over the cohort's cases that have both
    ends, cut to two significant figures (hour_bucket). For the county or a township from the
    buckets core.rollup keeps; with a category or unit filter from that part's cases (buckets
    kept per category and unit too would hold nearly as many rows as cases)."""
    if filters.category_id or filters.unit_id:
        bucket = hour_bucket(session.get_bind().dialect.name, Case.received_at, MEASURES[measure]).label("b")
        rows = session.exec(select(bucket, func.count()).where(cohort(filters), MEASURES[measure].is_not(None))
                            .group_by(bucket).order_by(bucket)).all()
    else:
        t = case_hours
        rows = session.exec(select(t.c.bucket, func.sum(t.c.cases)).where(*_kept_scope(t, filters), t.c.measure == measure)
                            .group_by(t.c.bucket).order_by(t.c.bucket)).all()
    buckets = [(int(b), int(n)) for b, n in rows]
    found = {"median": nearest_rank(buckets, 0.5), "p90": nearest_rank(buckets, 0.9)}
    return {key: None if value is None else value / 10 for key, value in found.items()}


def _received_by_end(session: Session, filters: KpiFilter) -> list[sa.ColumnElement[bool]]:
    """`received_at < until`, left out when no case was received that late (a period ending
    today): the snapshots then count from the (status, due_at) index alone. Why: on the
    10-million-case demo that one test made the overdue count read 207,000 pages, 0.75 s."""
    latest = session.exec(select(func.max(Case.received_at))).one()
    return [] if latest is None or latest < filters.until else [Case.received_at < filters.until]


def behind(key: str, filters: KpiFilter, *, now: datetime) -> sa.ColumnElement[bool]:
    """The cases a figure counts: click a number, get its list (ledger.list_cases extra=)."""
    if key == "backlog":
        return sa.and_(Case.status.in_(OPEN_STATUSES), Case.received_at < filters.until, *_scope(filters))
    if key == "overdue":
        return sa.and_(is_overdue_clause(now), Case.received_at < filters.until, *_scope(filters))
    if key == "not_on_time":
        return sa.and_(cohort(filters), CONDITIONS["closed_with_deadline"], sa.not_(CONDITIONS["on_time"]))
    if key == "no_deadline":
        return sa.and_(cohort(filters), CONDITIONS["closed"], Case.due_at.is_(None))
    if key == "dissatisfied":
        return sa.and_(cohort(filters), Case.rating == Rating.dissatisfied)
    if key in RATES:
        key = RATES[key][0]
    kind, _, value = key.partition(":")
    if kind == "channel":
        return sa.and_(cohort(filters), Case.channel == Channel(value))
    if kind in GROUPS:  # one row of a breakdown or a ranking: "township:12", "unit:none"
        column = GROUPS[kind]
        return sa.and_(cohort(filters), column.is_(None) if value == "none" else column == int(value))
    return sa.and_(cohort(filters), CONDITIONS[key])


# ---- breakdowns, trends and rankings ---------------------------------------------------------------

GROUPS = {"township": Case.township_id, "category": Case.category_id, "unit": Case.unit_id}


def by_group(session: Session, filters: KpiFilter, *, group: str, counted: pd.DataFrame | None = None) -> pd.DataFrame:
    """The same counts per township, category or unit, with names and rates, summed from the
    period's cube. Cases with no township (category, unit) form one row with id None, so the
    rows add up to the county's figures."""
    counted = cube(session, filters) if counted is None else counted
    column = f"{group}_id"
    frame = counted.groupby(column, dropna=False, as_index=False)[list(CONDITIONS)].sum().rename(columns={column: "id"})
    if group == "category":
        rows = session.exec(select(Category.id, Category.name_zh, Category.name_en)).all()
        names, names_en = {i: zh for i, zh, _en in rows}, {i: en for i, _zh, en in rows}
    else:
        names = names_en = dict(session.exec(select(Unit.id, Unit.name)).all())
    frame["id"] = frame["id"].astype("Int64")
    frame.insert(1, "name", frame["id"].map(lambda i: names.get(i, "") if pd.notna(i) else ""))
    frame.insert(2, "name_en", frame["id"].map(lambda i: names_en.get(i, "") if pd.notna(i) else ""))
    for key, (num, den) in RATES.items():
        frame[key] = (frame[num] / frame[den].where(frame[den] > 0)).astype(float)
    return frame.sort_values("received", ascending=False).reset_index(drop=True)


def channels_by_group(counted: pd.DataFrame, *, group: str) -> dict[tuple, int]:
    """{(group id, channel): cases received}, from the period's cube."""
    sums = counted.groupby(f"{group}_id", dropna=False)[list(CHANNEL_COLUMNS)].sum()
    return {(None if pd.isna(gid) else int(gid), CHANNEL_COLUMNS[column]): int(n)
            for gid, row in sums.iterrows() for column, n in row.items() if n}


def weekly(session: Session, filters: KpiFilter) -> pd.DataFrame:
    """Per week of receipt (weeks start on Monday): cases received, and how many of them are
    closed now — the period rule, week by week. Summed per day from core.rollup's rows."""
    t = case_rollup
    rows = session.exec(select(t.c.day, func.sum(t.c.received), func.sum(t.c.closed))
                        .where(*_kept_scope(t, filters, by_day=True)).group_by(t.c.day)
                        .having(func.sum(t.c.received) > 0)).all()
    frame = pd.DataFrame([(pd.Timestamp(str(d)), int(n), int(c or 0)) for d, n, c in rows],
                         columns=["day", "received", "closed"])
    if frame.empty:
        return pd.DataFrame(columns=["week", "received", "closed", "days"])
    frame["week"] = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
    weeks = frame.groupby("week", as_index=False)[["received", "closed"]].sum()
    start, end = pd.Timestamp(filters.start), pd.Timestamp(filters.end)
    weeks["days"] = [(min(w + pd.Timedelta(days=6), end) - max(w, start)).days + 1 for w in weeks["week"]]
    return weeks


def full_weeks(weeks: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The weeks wholly inside the period, and how many days the partial ones held. Why: a week
    of two days drawn next to weeks of seven looks like a collapse that did not happen."""
    whole = weeks["days"] >= 7
    if not whole.any():
        return weeks, 0
    return weeks[whole], int(weeks.loc[~whole, "days"].sum())


# Composite score (0–100) for rankings, from rates weighted by the county's settings (weights in
# core.county_settings, summing to 100 %; a rate of INVERTED counts as 1 − rate).
INVERTED = frozenset({"return_rate"})
SCORE_FLOOR = 60
MIN_CASES = {"unit": 10, "township": 20}
Z95 = 1.959964


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of a rate k/n. Why Wilson: unlike k/n ± z·se it stays inside
    [0, 1] and is honest for small n and for rates of 0 % or 100 % — exactly a small unit's case."""
    if not n:
        return None
    p, z2 = k / n, z * z
    centre, half = (p + z2 / (2 * n)) / (1 + z2 / n), z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _points(weight: float, key: str, value: float) -> float:
    return 100 * weight * ((1 - value) if key in INVERTED else value)


def _circulars(session: Session, filters: KpiFilter, group: str) -> dict[int, int]:
    """通报 issued in the period, per unit; for townships, those to the township or any place in it."""
    issued = dict(session.exec(select(Circular.unit_id, func.count()).where(
        Circular.issued_at >= filters.since, Circular.issued_at < filters.until).group_by(Circular.unit_id)).all())
    if group != "township" or not issued:
        return issued
    parents = dict(session.exec(select(Unit.id, Unit.parent_id)).all())
    kinds = dict(session.exec(select(Unit.id, Unit.kind)).all())
    per_township: dict[int, int] = {}
    for unit, n in issued.items():
        at = unit
        while at is not None and kinds.get(at) not in (UnitKind.township, UnitKind.community):
            at = parents.get(at)
        if at is not None:
            per_township[at] = per_township.get(at, 0) + n
    return per_township


def ranking(session: Session, filters: KpiFilter, *, group: str, min_cases: int | None = None,
            counted: pd.DataFrame | None = None, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Units or townships ranked by score = 100 × Σ weight × rate (the county's weights; the return
    rate counts as 1 − rate); a rate a unit has nothing to count for takes the county's value.
    Why a minimum case count: one case closed on time would otherwise top the list. Each rate
    carries its 95 % Wilson band, and the score a band from every rate at its band's worse and
    better end. Circulars received in the period are shown; a score under 60 is flagged."""
    counted = cube(session, filters) if counted is None else counted
    weights = county_settings.score_weights(session) if weights is None else weights
    frame = by_group(session, filters, group=group, counted=counted)
    frame = frame[frame["id"].notna()]
    minimum = MIN_CASES[group] if min_cases is None else min_cases
    frame = frame[frame["received"] >= minimum].copy()
    county = rates_of(totals(counted))
    score, low, high = (pd.Series(0.0, index=frame.index) for _ in range(3))
    for key, weight in weights.items():
        num, den = RATES[key]
        fallback = county.get(key) or 0.0
        values = frame[key].fillna(fallback)
        bands = [wilson(int(k), int(n)) or (fallback, fallback) for k, n in zip(frame[num], frame[den])]
        frame[f"{key}_low"] = [b[0] for b in bands]
        frame[f"{key}_high"] = [b[1] for b in bands]
        score = score + _points(weight, key, values)
        worse, better = (frame[f"{key}_high"], frame[f"{key}_low"]) if key in INVERTED else \
            (frame[f"{key}_low"], frame[f"{key}_high"])
        low, high = low + _points(weight, key, worse), high + _points(weight, key, better)
    frame["score"], frame["score_low"], frame["score_high"] = score.round(1), low.round(1), high.round(1)
    issued = _circulars(session, filters, group)
    frame["circulars"] = frame["id"].map(lambda i: issued.get(int(i), 0)).astype(int)
    frame["flagged"] = frame["score"] < SCORE_FLOOR
    frame = frame.sort_values(["score", "received"], ascending=[False, False]).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def explain(session: Session, filters: KpiFilter, *, group: str, member_id: int) -> dict:
    """One unit's (township's) score taken apart: per weighted rate its count over its base, the
    rate, its 95 % band, the weight and the points it adds (or the county's rate it stands in
    with, when the unit had nothing to count); the rank among those ranked, the minimum case
    count, and the returns: those for redo (counted against it) and the center's misroutes the
    unit sent back (its cases no longer, so not counted)."""
    counted = cube(session, filters)
    weights = county_settings.score_weights(session)
    ranked = ranking(session, filters, group=group, counted=counted, weights=weights)
    everyone = by_group(session, filters, group=group, counted=counted)
    row = everyone[everyone["id"] == member_id]
    county = rates_of(totals(counted))
    parts = []
    for key, weight in weights.items():
        num, den = RATES[key]
        k, n = (int(row[num].iloc[0]), int(row[den].iloc[0])) if len(row) else (0, 0)
        value = k / n if n else None
        used = value if value is not None else (county.get(key) or 0.0)
        parts.append({"rate": key, "count": k, "base": n, "value": value, "band": wilson(k, n), "weight": weight,
                      "county": county.get(key), "points": round(_points(weight, key, used), 1)})
    mine = ranked[ranked["id"] == member_id]
    column = GROUPS[group]
    returned = session.exec(select(Case.id, Case.tracking_code, Case.title, Case.return_count)
                            .where(cohort(filters), column == member_id, Case.return_count > 0)
                            .order_by(Case.received_at)).all()
    misroutes = []
    if group == "unit":
        misroutes = session.exec(select(Case.id, Case.tracking_code, Case.title, CaseEvent.at,
                                        CaseEvent.details["reason"].as_string())
                                 .join(CaseEvent, CaseEvent.case_id == Case.id)
                                 .where(cohort(filters), CaseEvent.action == CaseAction.decline,
                                        CaseEvent.details["unit_id"].as_integer() == member_id)
                                 .order_by(CaseEvent.at)).all()
    return {"parts": parts, "received": int(row["received"].iloc[0]) if len(row) else 0,
            "minimum": MIN_CASES[group], "ranked": len(ranked),
            "rank": int(mine["rank"].iloc[0]) if len(mine) else None,
            "score": float(mine["score"].iloc[0]) if len(mine) else None,
            "score_band": (float(mine["score_low"].iloc[0]), float(mine["score_high"].iloc[0])) if len(mine) else None,
            "circulars": _circulars(session, filters, group).get(member_id, 0),
            "returned": pd.DataFrame([tuple(r) for r in returned], columns=["id", "tracking_code", "title", "returns"]),
            "misroutes": pd.DataFrame([tuple(r) for r in misroutes], columns=["id", "tracking_code", "title", "at", "reason"])}


ASSESSED = {"township": (UnitKind.township, UnitKind.community), "unit": (UnitKind.department,)}
S4_LISTS = {"township": 1, "unit": 3}  # S4: the 1 township and the 3 county departments


def assessment(session: Session, year: int) -> dict[str, pd.DataFrame]:
    """年度考核 (S4): per township and per county department (县直单位), the year's score and
    circulars; the S4 lists derived from them — the most circulars (1 township, 3 departments:
    no prize that year) and, of the rest, those scoring under 60 and ranked last (1 and 3: their
    office heads criticised). Ties at a list's edge are all listed; a score needs the minimum
    case count, so a body with too few cases can be on the circular list but not the low list."""
    filters = KpiFilter(start=date(year, 1, 1), end=date(year, 12, 31))
    counted = cube(session, filters)
    found = {}
    for group, kinds in ASSESSED.items():
        members = session.exec(select(Unit.id, Unit.name).where(Unit.kind.in_(kinds), Unit.active == True)  # noqa: E712
                               .order_by(Unit.sort_order, Unit.id)).all()
        ranked = ranking(session, filters, group=group, counted=counted).set_index("id")
        issued = _circulars(session, filters, group)
        frame = pd.DataFrame([{"id": i, "name": name, "circulars": issued.get(i, 0),
                               "received": int(ranked.loc[i, "received"]) if i in ranked.index else None,
                               "score": float(ranked.loc[i, "score"]) if i in ranked.index else None}
                              for i, name in members])
        if frame.empty:
            found[group] = frame
            continue
        frame["rank"] = frame["score"].rank(ascending=False, method="min")
        size = S4_LISTS[group]
        most = frame[frame["circulars"] > 0].sort_values("circulars", ascending=False)
        edge = most["circulars"].iloc[min(size, len(most)) - 1] if len(most) else None
        frame["most_circulars"] = frame["circulars"].ge(edge) & frame["circulars"].gt(0) if edge else False
        low = frame[~frame["most_circulars"] & frame["score"].notna() & (frame["score"] < SCORE_FLOOR)]
        low = low.sort_values("score")
        cut = low["score"].iloc[min(size, len(low)) - 1] if len(low) else None
        frame["lowest"] = frame.index.isin(low[low["score"] <= cut].index) if cut is not None else False
        found[group] = frame.sort_values(["rank", "name"], na_position="last").reset_index(drop=True)
    return found


def score_rule(weights: dict[str, float]) -> dict[str, int]:
    """The weights in whole percent, for the published rule (labels dash.rank_rule)."""
    return {key: round(100 * weight) for key, weight in weights.items()}


def dashboard(session: Session, filters: KpiFilter, *, now: datetime) -> dict:
    """Everything the dashboard shows for a period, from one cube and a few snapshot queries."""
    counted = cube(session, filters)
    return {"kpis": compute(session, filters, now=now, counted=counted), "weekly": weekly(session, filters),
            "township": by_group(session, filters, group="township", counted=counted),
            "category": by_group(session, filters, group="category", counted=counted),
            "rank_unit": ranking(session, filters, group="unit", counted=counted),
            "rank_township": ranking(session, filters, group="township", counted=counted),
            "ticker": ticker(session, filters),
            "score_rule": score_rule(county_settings.score_weights(session))}


def ticker(session: Session, filters: KpiFilter, limit: int = 8) -> pd.DataFrame:
    """The newest open urgent or major cases of the period (重大紧急及时上报), newest first: read
    backwards along the received_at index until `limit` are found."""
    # "not terminal" rather than "in the open stages" (the same set): an IN list would lead SQLite,
    # without statistics, to walk the status index and sort everything it finds
    rows = session.exec(select(Case.tracking_code, Case.title, Case.is_major, Case.received_at)
                        .where(cohort(filters), Case.status.not_in(TERMINAL), sa.or_(Case.is_urgent, Case.is_major))
                        .order_by(Case.received_at.desc()).limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["tracking_code", "title", "is_major", "received_at"])


def admin_counters(session: Session) -> list[tuple[str, int]]:
    active = session.exec(select(func.count()).select_from(User).where(User.active == True)).one()  # noqa: E712
    total = session.exec(select(func.count()).select_from(User)).one()
    return [
        ("counter.active_users", active),
        ("counter.disabled_users", total - active),
        ("counter.units", session.exec(select(func.count()).select_from(Unit)).one()),
        ("counter.liaisons", session.exec(select(func.count()).select_from(Liaison)).one()),
    ]
