"""Numbers leaders and staff watch, aggregated in SQL. Today: the "what needs me today" counters
of every role's home page; the dashboard KPIs arrive with their own issue."""
from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from sqlmodel import Session, func, select

from core.auth import CurrentUser
from core.ledger import HANDLING_STATUSES, OPEN_STATUSES, is_overdue_clause
from core.models import Case, CaseStatus as S, Liaison, Role, Unit, User

Counter = tuple[str, int]


def _count(session: Session, *where: sa.ColumnElement[bool]) -> int:
    return session.exec(select(func.count()).select_from(Case).where(*where)).one()


def home_counters(session: Session, *, user: CurrentUser, now: datetime) -> dict[Role, list[Counter]]:
    """For each of the user's roles, the labelled counts of what waits for them today."""
    today_end = datetime.combine(now.date(), time.max)
    due_today = sa.and_(Case.due_at >= now, Case.due_at <= today_end, Case.status.in_(HANDLING_STATUSES))
    overdue = is_overdue_clause(now)
    result: dict[Role, list[Counter]] = {}
    if user.has(Role.clerk):
        result[Role.clerk] = [
            ("counter.to_draft", _count(session, Case.status == S.received)),
            ("counter.to_feed_back", _count(session, Case.status == S.approved)),
            ("counter.to_close", _count(session, Case.status == S.fed_back, Case.rated_at.is_not(None))),
            ("counter.overdue", _count(session, overdue)),
        ]
    if user.has(Role.leader):
        from core.models import Leader
        leader_id = session.exec(select(Leader.id).where(Leader.user_id == user.id)).first()
        owned_open = _count(session, Case.owner_leader_id == leader_id, Case.status.in_(OPEN_STATUSES)) if leader_id else 0
        result[Role.leader] = [
            ("counter.to_order", _count(session, Case.status == S.drafted)),
            ("counter.owned_open", owned_open),
            ("counter.urgent_open", _count(session, sa.or_(Case.is_urgent, Case.is_major), Case.status.in_(OPEN_STATUSES))),
            ("counter.overdue", _count(session, overdue)),
        ]
    if user.has(Role.unit_handler):
        mine = Case.unit_id == user.unit_id
        result[Role.unit_handler] = [
            ("counter.to_accept", _count(session, mine, Case.status == S.dispatched)),
            ("counter.in_handling", _count(session, mine, Case.status.in_((S.in_progress, S.returned)))),
            ("counter.due_today", _count(session, mine, due_today)),
            ("counter.overdue", _count(session, mine, overdue)),
        ]
    if user.has(Role.supervisor):
        result[Role.supervisor] = [
            ("counter.to_review", _count(session, Case.status == S.reported)),
            ("counter.overdue", _count(session, overdue)),
            ("counter.supervised", _count(session, Case.on_supervision_register, Case.status.in_(OPEN_STATUSES))),
            ("counter.due_today", _count(session, due_today)),
        ]
    if user.has(Role.liaison):
        mine = Case.liaison_id == user.liaison_id
        result[Role.liaison] = [
            ("counter.my_open", _count(session, mine, Case.status.in_(OPEN_STATUSES))),
            ("counter.to_rate", _count(session, mine, Case.status == S.fed_back, Case.rated_at.is_(None))),
        ]
    if user.has(Role.admin):
        active = session.exec(select(func.count()).select_from(User).where(User.active == True)).one()  # noqa: E712
        total = session.exec(select(func.count()).select_from(User)).one()
        result[Role.admin] = [
            ("counter.active_users", active),
            ("counter.disabled_users", total - active),
            ("counter.units", session.exec(select(func.count()).select_from(Unit)).one()),
            ("counter.liaisons", session.exec(select(func.count()).select_from(Liaison)).one()),
        ]
    return result
