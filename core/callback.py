"""回访抽查 (S4 回访复查; S2 §四.5(4): falsified results are an offence): each month the center
calls the residents of a random sample of the month's closed cases itself — at least a tenth and
at least five of each unit's, drawn from a recorded seed, never chosen by the unit — and sets the
satisfaction the case carried beside what the resident says. A unit whose recorded satisfaction
exceeds its residents' own by the gap setting, on enough answered calls, is flagged for
supervision with the cases behind it."""
from __future__ import annotations

import hashlib
import math
import random
import secrets
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import county_settings
from core.db import id_chunks
from core.auth import CurrentUser
from core.errors import DomainError
from core.kpi import CLOSED, SATISFIED, months_around
from core.models import CallbackCheck, CallbackDraw, Case, Rating, Role, Unit

CHECKERS = (Role.clerk, Role.supervisor)  # the center calls; never the unit whose cases are checked
READERS = (Role.clerk, Role.supervisor, Role.leader, Role.admin)
NO_UNIT = 0  # the stratum of cases closed without a handling unit (answered on the spot, by a leader)


def needed(closed: int, *, share_percent: int, min_per_unit: int) -> int:
    """How many of a unit's `closed` cases are drawn: the share rounded up, at least the minimum,
    and all of them when there are fewer."""
    return min(closed, max(math.ceil(closed * share_percent / 100), min_per_unit))


def sample(strata: dict[int, list[int]], *, seed: int, share_percent: int, min_per_unit: int) -> dict[int, list[int]]:
    """The drawn case ids per unit. Why one generator per unit, seeded by (seed, unit): a unit's
    draw then depends on its own cases only, and anyone holding the seed and the ids redraws it."""
    drawn = {}
    for unit, ids in sorted(strata.items()):
        rng = random.Random(f"{seed}:{unit}")
        k = needed(len(ids), share_percent=share_percent, min_per_unit=min_per_unit)
        drawn[unit] = sorted(rng.sample(sorted(ids), k))
    return drawn


def digest(strata: dict[int, list[int]]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(i for ids in strata.values() for i in ids)).encode()).hexdigest()


def month_span(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    return datetime.combine(first, datetime.min.time()), datetime.combine(months_around(first, back=0, ahead=1)[1],
                                                                          datetime.min.time())


def population(session: Session, month: date) -> dict[int, list[int]]:
    """The cases closed in the month, by handling unit: every one of them can be drawn."""
    since, until = month_span(month)
    rows = session.exec(select(Case.unit_id, Case.id).where(Case.status.in_(CLOSED), Case.closed_at >= since,
                                                           Case.closed_at < until)).all()
    strata: dict[int, list[int]] = {}
    for unit, case_id in rows:
        strata.setdefault(unit or NO_UNIT, []).append(case_id)
    return strata


def _require(user: CurrentUser, roles) -> None:
    if not user.has(*roles):
        raise DomainError("error.permission")


def draw(session: Session, *, actor: CurrentUser, month: date, now: datetime, seed: int | None = None) -> CallbackDraw:
    """Draws the month's sample once, after the month has ended; the seed comes from the system's
    random source unless given (to reproduce a draw elsewhere) and is recorded with the draw."""
    _require(actor, CHECKERS)
    month = month.replace(day=1)
    if month_span(month)[1] > now:
        raise DomainError("error.callback_month_open")
    if session.exec(select(CallbackDraw).where(CallbackDraw.month == month)).first():
        raise DomainError("error.callback_drawn")
    settings = county_settings.values(session, "callback.")
    share, minimum = settings["callback.share_percent"], settings["callback.min_per_unit"]
    seed = secrets.randbelow(2**31) if seed is None else seed
    strata = population(session, month)
    row = CallbackDraw(month=month, seed=seed, share_percent=share, min_per_unit=minimum,
                       population=sum(len(ids) for ids in strata.values()), population_digest=digest(strata),
                       drawn_at=now, drawn_by_id=actor.id)
    session.add(row)
    session.flush()
    picked = [i for ids in sample(strata, seed=seed, share_percent=share, min_per_unit=minimum).values() for i in ids]
    for drawn in id_chunks(Case.id, picked, FETCHED):
        for case_id, unit_id, township_id, rating in session.exec(
                select(Case.id, Case.unit_id, Case.township_id, Case.rating).where(drawn)).all():
            session.add(CallbackCheck(draw_id=row.id, case_id=case_id, unit_id=unit_id, township_id=township_id,
                                      reported_rating=rating))
    session.flush()
    return row


FETCHED = 5_000  # the drawn cases read this many at a time: the 10-million-case demo drew 158,666 in a month


def verify(session: Session, draw_row: CallbackDraw) -> dict[str, bool]:
    """Redraws from the recorded seed: is the month's population still the one drawn from, and
    are the checks on file exactly the cases that seed picks from it?"""
    strata = population(session, draw_row.month)
    same_population = digest(strata) == draw_row.population_digest
    expected = {i for ids in sample(strata, seed=draw_row.seed, share_percent=draw_row.share_percent,
                                    min_per_unit=draw_row.min_per_unit).values() for i in ids}
    on_file = set(session.exec(select(CallbackCheck.case_id).where(CallbackCheck.draw_id == draw_row.id)).all())
    return {"same_population": same_population, "same_sample": same_population and expected == on_file}


def record(session: Session, *, actor: CurrentUser, check_id: int, reached: bool, now: datetime,
           confirmed: bool | None = None, rating: Rating | None = None, note: str = "") -> CallbackCheck:
    """What the call found. A call that did not get through can be tried again (attempts are
    counted); once the resident answered, the record stands."""
    _require(actor, CHECKERS)
    check = session.get(CallbackCheck, check_id)
    if check is None:
        raise DomainError("error.case_not_found")
    if check.reached:
        raise DomainError("error.callback_recorded")
    if reached:
        missing = [name for name, value in (("callback_confirmed", confirmed), ("callback_rating", rating)) if value is None]
        if missing:
            raise DomainError("error.fields_missing", fields=missing)
    check.reached, check.attempts = reached, check.attempts + 1
    check.confirmed, check.resident_rating = (confirmed, rating) if reached else (None, None)
    check.note, check.checked_at, check.checked_by_id = (note or "").strip(), now, actor.id
    session.add(check)
    session.flush()
    return check


def draws(session: Session) -> list[CallbackDraw]:
    return list(session.exec(select(CallbackDraw).order_by(CallbackDraw.month.desc())).all())


def call_list(session: Session, *, user: CurrentUser, draw_id: int) -> pd.DataFrame:
    """The drawn cases with the residents' names and phones: for the center's callers only."""
    _require(user, CHECKERS)
    handler = sa.orm.aliased(Unit)
    rows = session.exec(select(CallbackCheck.id, Case.id, Case.tracking_code, Case.title, handler.name,
                               Case.reporter_name, Case.reporter_phone, Case.closed_at, CallbackCheck.reported_rating,
                               CallbackCheck.reached, CallbackCheck.attempts, CallbackCheck.confirmed,
                               CallbackCheck.resident_rating, CallbackCheck.note)
                        .join(Case, Case.id == CallbackCheck.case_id)
                        .join(handler, handler.id == CallbackCheck.unit_id, isouter=True)
                        .where(CallbackCheck.draw_id == draw_id).order_by(handler.name, Case.closed_at)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[
        "check_id", "id", "tracking_code", "title", "unit", "reporter_name", "reporter_phone", "closed_at",
        "reported_rating", "reached", "attempts", "confirmed", "resident_rating", "note"])


def _in_months(start: date, end: date) -> sa.ColumnElement[bool]:
    return sa.and_(CallbackDraw.month >= start.replace(day=1), CallbackDraw.month <= end)


def comparison(session: Session, *, user: CurrentUser, start: date, end: date, group: str = "unit") -> pd.DataFrame:
    """Per unit (or township), over the checks of the months drawn in [start, end]: the
    satisfaction the cases carried and the residents' own, on the same answered calls (both
    ratings known), the gap in points, the results confirmed, and the flag."""
    _require(user, READERS)
    key = CallbackCheck.unit_id if group == "unit" else CallbackCheck.township_id
    answered = sa.and_(CallbackCheck.reached == True, CallbackCheck.resident_rating.is_not(None),  # noqa: E712
                       CallbackCheck.reported_rating.is_not(None))

    def count(condition) -> sa.ColumnElement:
        return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = session.exec(select(key, Unit.name, func.count(),
                               count(CallbackCheck.reached == True),  # noqa: E712
                               count(answered),
                               count(sa.and_(answered, CallbackCheck.reported_rating.in_(SATISFIED))),
                               count(sa.and_(answered, CallbackCheck.resident_rating.in_(SATISFIED))),
                               count(CallbackCheck.confirmed == True),  # noqa: E712
                               count(CallbackCheck.confirmed.is_not(None)))
                        .join(CallbackDraw, CallbackDraw.id == CallbackCheck.draw_id)
                        .join(Unit, Unit.id == key, isouter=True)
                        .where(_in_months(start, end)).group_by(key, Unit.name)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["id", "name", "checks", "reached", "pairs",
                                                            "reported_satisfied", "verified_satisfied", "confirmed",
                                                            "confirm_asked"])
    settings = county_settings.values(session, "callback.")
    pairs = frame["pairs"].where(frame["pairs"] > 0)
    frame["reported_rate"] = (frame["reported_satisfied"] / pairs).astype(float)
    frame["verified_rate"] = (frame["verified_satisfied"] / pairs).astype(float)
    frame["gap_points"] = ((frame["reported_satisfied"] - frame["verified_satisfied"]) * 100 / pairs).astype(float).round(1)
    frame["confirmed_rate"] = (frame["confirmed"] / frame["confirm_asked"].where(frame["confirm_asked"] > 0)).astype(float)
    frame["flagged"] = (frame["pairs"] >= settings["callback.min_checks"]) & \
        (frame["gap_points"] >= settings["callback.gap_points"]).fillna(False)
    frame["name"] = frame["name"].fillna("")
    return frame.sort_values(["flagged", "gap_points"], ascending=[False, False], na_position="last").reset_index(drop=True)


def behind_flag(session: Session, *, user: CurrentUser, start: date, end: date, unit_id: int | None) -> pd.DataFrame:
    """The checked cases that open a unit's gap: recorded satisfied but not so by the resident, or
    a result the resident did not confirm."""
    _require(user, READERS)
    unit = CallbackCheck.unit_id.is_(None) if unit_id is None else CallbackCheck.unit_id == unit_id
    disagree = sa.or_(sa.and_(CallbackCheck.reported_rating.in_(SATISFIED),
                              CallbackCheck.resident_rating == Rating.dissatisfied),
                      CallbackCheck.confirmed == False)  # noqa: E712
    rows = session.exec(select(Case.id, Case.tracking_code, Case.title, CallbackDraw.month, CallbackCheck.reported_rating,
                               CallbackCheck.resident_rating, CallbackCheck.confirmed, CallbackCheck.note)
                        .join(CallbackCheck, CallbackCheck.case_id == Case.id)
                        .join(CallbackDraw, CallbackDraw.id == CallbackCheck.draw_id)
                        .where(_in_months(start, end), unit, disagree).order_by(Case.closed_at)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["id", "tracking_code", "title", "month", "reported_rating",
                                                           "resident_rating", "confirmed", "note"])


def for_period(session: Session, *, user: CurrentUser, start: date, end: date,
               group: str = "unit") -> tuple[date, date, pd.DataFrame] | None:
    """The comparison for a dashboard's period: over the months drawn in it, or — a month's sample
    is drawn after the month ends, so "this month" has none — the newest drawn month before."""
    found = comparison(session, user=user, start=start, end=end, group=group)
    if not found.empty:
        return start.replace(day=1), end, found
    latest = session.exec(select(func.max(CallbackDraw.month)).where(CallbackDraw.month <= end)).one()
    if latest is None:
        return None
    return latest, latest, comparison(session, user=user, start=latest, end=latest, group=group)


def last_finished_month(now: datetime) -> date:
    return (now.date().replace(day=1) - timedelta(days=1)).replace(day=1)
