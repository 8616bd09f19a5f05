"""Numbers leaders and staff watch, aggregated in SQL. Today: the administrator's counters (the
work-queue counters live in core.board); the dashboard KPIs arrive with their own issue."""
from __future__ import annotations

from sqlmodel import Session, func, select

from core.models import Liaison, Unit, User


def admin_counters(session: Session) -> list[tuple[str, int]]:
    active = session.exec(select(func.count()).select_from(User).where(User.active == True)).one()  # noqa: E712
    total = session.exec(select(func.count()).select_from(User)).one()
    return [
        ("counter.active_users", active),
        ("counter.disabled_users", total - active),
        ("counter.units", session.exec(select(func.count()).select_from(Unit)).one()),
        ("counter.liaisons", session.exec(select(func.count()).select_from(Liaison)).one()),
    ]
