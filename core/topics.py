"""每月一题 (S4 抓苗头; 未诉先办): the most frequent clusters of similar cases over the last months —
one category in one township, described by the words that set its cases apart — proposed with
their counts and month-by-month trend as candidate topics for proactive action. A leader picks
one for the month; its cases, those already in and those still coming, are then tracked together."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core.auth import CurrentUser
from core.errors import DomainError
from core.kpi import CLOSED, months_around, toward_zero
from core.ledger import OPEN_STATUSES, is_overdue_clause
from core.models import Case, CaseStatus as S, Category, MonthlyTopic, Role, Unit, User
from core.suggest import tokens

WINDOW_MONTHS = 3  # candidates are drawn from the three whole months before the topic's month
CANDIDATES = 10
MIN_CASES = 3
WORDS = 3
SAMPLE = 400  # cases read per cluster (the newest) to find its words; the counts are all of them
PICKERS = (Role.leader,)
READERS = (Role.leader, Role.clerk, Role.supervisor, Role.admin)


@dataclass(frozen=True)
class Candidate:
    category_id: int
    township_id: int
    category: str
    category_en: str
    township: str
    cases: int
    by_month: tuple[int, ...]  # one count per month of the window, oldest first
    words: tuple[str, ...]

    @property
    def rising(self) -> bool:
        return len(self.by_month) > 1 and self.by_month[-1] > self.by_month[0]


def window(month: date) -> tuple[date, date]:
    """The first day of the window and the first day after it (= the topic's month)."""
    first = month.replace(day=1)
    return months_around(first, back=WINDOW_MONTHS)[0], first


def _month_index(dialect: str):
    """Months since year 0 of a case's receipt (to count per month in SQL on both databases)."""
    if dialect == "postgresql":
        return toward_zero(dialect, func.extract("year", Case.received_at) * 12 + func.extract("month", Case.received_at) - 1)
    return sa.cast(func.strftime("%Y", Case.received_at), sa.Integer) * 12 + \
        sa.cast(func.strftime("%m", Case.received_at), sa.Integer) - 1


def _require(user: CurrentUser, roles) -> None:
    if not user.has(*roles):
        raise DomainError("error.permission")


def _names(session: Session) -> set[str]:
    """Place names: words like 王塘村 say where, not what — the cluster already says where."""
    return set(session.exec(select(Unit.name)).all())


def characteristic_words(docs: list[list[str]], background: Counter, total: int, *, skip: set[str],
                         top: int = WORDS) -> tuple[str, ...]:
    """The words most frequent in a cluster's cases relative to all cases (document frequency ×
    inverse document frequency), two characters or more, no place names, no numbers."""
    seen = Counter(w for doc in docs for w in set(doc))
    scored = {w: n * math.log((total + 1) / (background.get(w, 0) + 1)) for w, n in seen.items()
              if len(w) >= 2 and not w.isdigit() and not any(w in name or name in w for name in skip)}
    return tuple(w for w, _s in sorted(scored.items(), key=lambda i: (-i[1], i[0]))[:top])


def candidates(session: Session, *, user: CurrentUser, month: date, limit: int = CANDIDATES) -> list[Candidate]:
    """The largest clusters (category × township, at least MIN_CASES cases) of the window before
    `month`, biggest first, with their monthly counts and characteristic words."""
    _require(user, READERS)
    start, after = window(month)
    period = [Case.received_at >= datetime.combine(start, datetime.min.time()),
              Case.received_at < datetime.combine(after, datetime.min.time()), Case.status != S.merged,
              Case.category_id.is_not(None), Case.township_id.is_not(None)]
    top = session.exec(select(Case.category_id, Case.township_id, func.count().label("n")).where(*period)
                       .group_by(Case.category_id, Case.township_id).having(func.count() >= MIN_CASES)
                       .order_by(sa.desc("n"), Case.category_id, Case.township_id).limit(limit)).all()
    if not top:
        return []
    index = _month_index(session.get_bind().dialect.name).label("m")
    keys = [(c, t) for c, t, _n in top]
    in_top = sa.tuple_(Case.category_id, Case.township_id).in_(keys)
    monthly = session.exec(select(Case.category_id, Case.township_id, index, func.count()).where(*period, in_top)
                           .group_by(Case.category_id, Case.township_id, index)).all()
    first = start.year * 12 + start.month - 1
    counts = {key: [0] * WINDOW_MONTHS for key in keys}
    for c, t, m, n in monthly:
        counts[(c, t)][int(m) - first] += n
    background_rows = session.exec(select(Case.content).where(*period).order_by(Case.received_at.desc())
                                   .limit(SAMPLE * 5)).all()
    background = Counter(w for text in background_rows for w in set(tokens(text)))
    places = _names(session)
    categories = {i: (zh, en) for i, zh, en in session.exec(select(Category.id, Category.name_zh, Category.name_en))}
    towns = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_([t for _c, t in keys]))).all())
    found = []
    for c, t, n in top:
        texts = session.exec(select(Case.content).where(*period, Case.category_id == c, Case.township_id == t)
                             .order_by(Case.received_at.desc()).limit(SAMPLE)).all()
        names = places | set(session.exec(select(Case.reporter_name).where(
            *period, Case.category_id == c, Case.township_id == t, Case.reporter_name.is_not(None))
            .limit(SAMPLE)).all())
        words = characteristic_words([tokens(x) for x in texts], background, len(background_rows), skip=names)
        zh, en = categories.get(c, ("", ""))
        found.append(Candidate(category_id=c, township_id=t, category=zh, category_en=en, township=towns.get(t, ""),
                               cases=n, by_month=tuple(counts[(c, t)]), words=words))
    return found


def pick(session: Session, *, actor: CurrentUser, month: date, category_id: int, township_id: int, words: str,
         plan: str, now: datetime) -> MonthlyTopic:
    """A leader makes a cluster the month's topic (one per month), with what is to be done."""
    _require(actor, PICKERS)
    month = month.replace(day=1)
    if session.exec(select(MonthlyTopic).where(MonthlyTopic.month == month)).first():
        raise DomainError("error.topic_taken")
    if not (plan or "").strip():
        raise DomainError("error.fields_missing", field="plan", fields=["plan"])
    category = session.get(Category, category_id)
    township = session.get(Unit, township_id)
    if category is None or township is None:
        raise DomainError("error.case_not_found")
    row = MonthlyTopic(month=month, category_id=category_id, township_id=township_id, words=words[:120],
                       title=f"{township.name}{category.name_zh}", plan=plan.strip(), since=window(month)[0],
                       chosen_at=now, chosen_by_id=actor.id)
    session.add(row)
    session.flush()
    return row


def topics(session: Session) -> list[MonthlyTopic]:
    return list(session.exec(select(MonthlyTopic).order_by(MonthlyTopic.month.desc())).all())


def cases_of(topic: MonthlyTopic) -> sa.ColumnElement[bool]:
    """The topic's cases: its category in its township, from the window's start on (the ledger's
    `extra=`), so reports after the pick join it by themselves."""
    return sa.and_(Case.category_id == topic.category_id, Case.township_id == topic.township_id,
                   Case.received_at >= datetime.combine(topic.since, datetime.min.time()), Case.status != S.merged)


def progress(session: Session, *, user: CurrentUser, topic: MonthlyTopic, now: datetime) -> dict:
    """How the topic's cases stand: in all, open, closed, overdue; month by month since the
    window's start, so that a proactive answer shows as fewer new reports."""
    _require(user, READERS)
    where = cases_of(topic)

    def count(*extra) -> int:
        return session.exec(select(func.count()).select_from(Case).where(where, *extra)).one()
    index = _month_index(session.get_bind().dialect.name).label("m")
    monthly = dict(session.exec(select(index, func.count()).where(where).group_by(index)).all())
    first = topic.since.year * 12 + topic.since.month - 1
    last = now.year * 12 + now.month - 1
    months = [date(i // 12, i % 12 + 1, 1) for i in range(first, last + 1)]
    return {"cases": count(), "open": count(Case.status.in_(OPEN_STATUSES)), "closed": count(Case.status.in_(CLOSED)),
            "overdue": count(is_overdue_clause(now)),
            "since_chosen": count(Case.received_at >= topic.chosen_at),
            "chosen_by": session.exec(select(User.display_name).where(User.id == topic.chosen_by_id)).first() or "—",
            "by_month": pd.DataFrame({"month": months, "received": [monthly.get(first + k, 0) for k in range(len(months))]})}
