"""Work queues: for each role, the lists of cases that wait for it (待拟办, 待审核, 待签收…), as
SQL conditions. One definition serves the home counters, the board's tabs and its lists."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from core.auth import CurrentUser
from core.ledger import OPEN_STATUSES, due_soon_clause, due_today_clause, is_overdue_clause, visible_cases
from core.models import Case, CaseStatus as S, Leader, Role

Condition = Callable[[CurrentUser, datetime, int | None], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Queue:
    key: str
    roles: frozenset[Role]
    condition: Condition


def _mine(user: CurrentUser) -> sa.ColumnElement[bool]:
    return Case.unit_id == user.unit_id if user.unit_id is not None else sa.false()


def _reported_by_me(user: CurrentUser) -> sa.ColumnElement[bool]:
    return Case.liaison_id == user.liaison_id if user.liaison_id is not None else sa.false()


def _open(*extra: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(Case.status.in_(OPEN_STATUSES), *extra)


def _r(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


CLERK, LEADER, UNIT, SUPERVISOR, LIAISON = Role.clerk, Role.leader, Role.unit_handler, Role.supervisor, Role.liaison

QUEUES: tuple[Queue, ...] = (
    Queue("to_draft", _r(CLERK), lambda u, now, lid: Case.status == S.received),
    Queue("to_order", _r(CLERK, LEADER), lambda u, now, lid: Case.status == S.drafted),
    Queue("owned", _r(LEADER), lambda u, now, lid: _open(Case.owner_leader_id == lid) if lid else sa.false()),
    Queue("urgent_open", _r(LEADER), lambda u, now, lid: _open(sa.or_(Case.is_urgent, Case.is_major))),
    Queue("to_accept", _r(UNIT), lambda u, now, lid: sa.and_(_mine(u), Case.status == S.dispatched)),
    Queue("in_handling", _r(UNIT), lambda u, now, lid: sa.and_(_mine(u), Case.status.in_((S.in_progress, S.returned)))),
    Queue("to_review", _r(SUPERVISOR), lambda u, now, lid: Case.status == S.reported),
    Queue("returned", _r(CLERK, SUPERVISOR), lambda u, now, lid: Case.status == S.returned),
    Queue("to_feed_back", _r(CLERK, LEADER), lambda u, now, lid: Case.status == S.approved),
    Queue("to_close", _r(CLERK, LEADER), lambda u, now, lid: sa.and_(Case.status == S.fed_back,
                                                                      Case.rated_at.is_not(None))),
    Queue("supervised", _r(SUPERVISOR, UNIT), lambda u, now, lid: _open(Case.on_supervision_register)),
    Queue("circular_due", _r(SUPERVISOR), lambda u, now, lid: Case.circular_due),
    # what a unit handler or a liaison sees is already limited to their own cases (visible_cases)
    Queue("due_today", _r(SUPERVISOR, CLERK), lambda u, now, lid: due_today_clause(now)),
    Queue("due_soon", _r(UNIT), lambda u, now, lid: due_soon_clause(now)),
    Queue("overdue", _r(CLERK, LEADER, SUPERVISOR, UNIT), lambda u, now, lid: is_overdue_clause(now)),
    Queue("my_open", _r(LIAISON), lambda u, now, lid: _open(_reported_by_me(u))),
    Queue("to_rate", _r(LIAISON), lambda u, now, lid: sa.and_(_reported_by_me(u), Case.status == S.fed_back,
                                                              Case.rated_at.is_(None))),
)
QUEUES_BY_KEY = {q.key: q for q in QUEUES}
# the queues that warn: shown as a banner above a user's lists, not only as a count
WARNINGS = ("overdue", "due_soon", "due_today", "circular_due")


def queues_for(user: CurrentUser) -> list[Queue]:
    return [q for q in QUEUES if q.roles & user.roles]


def leader_id_of(session: Session, user: CurrentUser) -> int | None:
    if not user.has(Role.leader):
        return None
    return session.exec(select(Leader.id).where(Leader.user_id == user.id)).first()


def condition(session: Session, *, user: CurrentUser, key: str, now: datetime) -> sa.ColumnElement[bool]:
    """The queue's condition, within what the user may see at all."""
    queue = QUEUES_BY_KEY[key]
    if not queue.roles & user.roles:
        return sa.false()
    return sa.and_(visible_cases(user), queue.condition(user, now, leader_id_of(session, user)))


def counts(session: Session, *, user: CurrentUser, now: datetime) -> list[tuple[str, int]]:
    """Every queue of the user's roles with its size, in one aggregate query."""
    queues = queues_for(user)
    if not queues:
        return []
    leader_id = leader_id_of(session, user)
    columns = [sa.func.coalesce(sa.func.sum(sa.case((q.condition(user, now, leader_id), 1), else_=0)), 0)
               for q in queues]
    # every queue holds open cases, or cases flagged for a circular: scan only those (indexed)
    candidates = sa.or_(Case.status.in_(OPEN_STATUSES), Case.circular_due)
    row = session.execute(sa.select(*columns).select_from(Case).where(visible_cases(user), candidates)).one()
    return [(q.key, int(v)) for q, v in zip(queues, row, strict=True)]
