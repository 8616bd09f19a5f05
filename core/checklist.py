"""The administrator's first-run checklist: what a county must set up before daily work can start,
each step ticked by the state of the database itself, never by a flag someone sets."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, func, select

from core import limits
from core.models import Category, Leader, ReceptionRule, Role, TimeLimit, Unit, UnitKind, User, UserRole


@dataclass(frozen=True)
class Step:
    key: str    # labels: checklist.<key>
    page: str   # the page that does it (core.auth.PAGES)
    done: bool


def _count(session: Session, query) -> int:
    return session.exec(query).one()


def steps(session: Session, *, today: date) -> list[Step]:
    def units(*kinds) -> int:
        return _count(session, select(func.count()).select_from(Unit).where(Unit.kind.in_(kinds), Unit.active == True))  # noqa: E712

    staff = _count(session, select(func.count(func.distinct(UserRole.user_id))).join(User, User.id == UserRole.user_id)
                   .where(UserRole.role.in_([Role.clerk, Role.supervisor]), User.active == True))  # noqa: E712
    # the holidays are known when neither this year nor (from November) next year is provisional
    schedule_known = limits.schedule_warning(session, today=today) is None
    return [
        Step("network", "network", units(UnitKind.county) == 1 and units(UnitKind.township, UnitKind.community) > 0
             and units(UnitKind.village) > 0),
        Step("units", "network", units(UnitKind.department, UnitKind.enterprise) > 0),
        Step("categories", "network", _count(session, select(func.count()).select_from(Category)
                                             .where(Category.active == True, Category.default_unit_id.is_not(None))) > 0),  # noqa: E712
        Step("leaders", "network", _count(session, select(func.count()).select_from(Leader)
                                          .where(Leader.active == True)) > 0),  # noqa: E712
        Step("users", "users", staff > 0),
        Step("limits", "limits", _count(session, select(func.count()).select_from(TimeLimit)) > 0),
        Step("reception", "reception", _count(session, select(func.count()).select_from(ReceptionRule)) > 0),
        Step("holidays", "limits", schedule_known),
    ]
