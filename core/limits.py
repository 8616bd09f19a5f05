"""Admin-editable time limits (per tier, optionally per category) and calendar overrides, and the
due date of a case computed from them on the official working-day calendar."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from core import deadlines
from core.auth import CurrentUser
from core.errors import DomainError
from core.models import CalendarOverride, Channel, Role, Tier, TimeLimit

MAX_WORKING_DAYS = 90


def time_limits(session: Session) -> list[TimeLimit]:
    return session.exec(select(TimeLimit).order_by(TimeLimit.tier, TimeLimit.category_id)).all()


def calendar_override_rows(session: Session) -> list[CalendarOverride]:
    return session.exec(select(CalendarOverride).order_by(CalendarOverride.day)).all()


def calendar_overrides(session: Session) -> dict[date, bool]:
    return {row.day: row.is_working_day for row in session.exec(select(CalendarOverride)).all()}


def working_days_for(session: Session, *, category_id: int | None, tier: Tier) -> int:
    """Category-specific limit, else the county-wide limit for the tier, else the default."""
    rows = session.exec(select(TimeLimit).where(TimeLimit.tier == tier)).all()
    by_category = {row.category_id: row.working_days for row in rows}
    if category_id in by_category:
        return by_category[category_id]
    if None in by_category:
        return by_category[None]
    return deadlines.WORKING_DAYS_BY_TIER[Tier(tier)]


def due_for(session: Session, *, tier: Tier, category_id: int | None, channel: Channel, is_major: bool,
            start: datetime, received_at: datetime | None = None) -> datetime:
    return deadlines.due_at(
        tier=Tier(tier), start=start, major=is_major, from_reception=channel == Channel.reception,
        received_at=received_at,
        working_days=working_days_for(session, category_id=category_id, tier=Tier(tier)),
        overrides=calendar_overrides(session),
    )


def _require_admin(actor: CurrentUser) -> None:
    if not actor.has(Role.admin):
        raise DomainError("error.permission")


def set_time_limit(session: Session, *, actor: CurrentUser, tier: Tier, working_days: int, now: datetime,
                   category_id: int | None = None) -> TimeLimit:
    _require_admin(actor)
    if not 0 <= working_days <= MAX_WORKING_DAYS:
        raise DomainError("error.working_days_range", field="working_days", max=MAX_WORKING_DAYS)
    same_category = TimeLimit.category_id.is_(None) if category_id is None else TimeLimit.category_id == category_id
    row = session.exec(select(TimeLimit).where(TimeLimit.tier == tier, same_category)).first()
    if row is None:
        row = TimeLimit(category_id=category_id, tier=tier, working_days=working_days, updated_at=now,
                        updated_by_id=actor.id)
        session.add(row)
    else:
        row.working_days, row.updated_at, row.updated_by_id = working_days, now, actor.id
    session.flush()
    return row


def remove_time_limit(session: Session, *, actor: CurrentUser, limit_id: int) -> None:
    _require_admin(actor)
    row = session.get(TimeLimit, limit_id)
    if row is not None:
        session.delete(row)
        session.flush()


def set_calendar_override(session: Session, *, actor: CurrentUser, day: date, is_working_day: bool,
                          note: str = "") -> CalendarOverride:
    _require_admin(actor)
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, is_working_day=is_working_day, note=note.strip())
        session.add(row)
    else:
        row.is_working_day, row.note = is_working_day, note.strip()
    session.flush()
    return row


def remove_calendar_override(session: Session, *, actor: CurrentUser, day: date) -> None:
    _require_admin(actor)
    row = session.get(CalendarOverride, day)
    if row is not None:
        session.delete(row)
        session.flush()
