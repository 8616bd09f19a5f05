"""The case ledger (台账) read side: who may see which case, and the filtered, paged list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from core.auth import CurrentUser, sees_personal_data
from core.models import Case, CaseStatus, Category, Role, Unit
from core.workflow import HANDLING, TERMINAL

OPEN_STATUSES = tuple(s for s in CaseStatus if s not in TERMINAL)


def visible_cases(user: CurrentUser) -> sa.ColumnElement[bool]:
    """Why: a handling unit sees only the cases dispatched to it and a liaison only their own
    reports; the center, leaders and the supervision office see the whole county."""
    if user.has(Role.clerk, Role.leader, Role.supervisor, Role.admin):
        return sa.true()
    clauses = []
    if user.has(Role.unit_handler) and user.unit_id is not None:
        # a draft names a unit before the order: the unit sees the case once it is dispatched
        clauses.append(sa.and_(Case.unit_id == user.unit_id, Case.status.not_in((CaseStatus.received, CaseStatus.drafted))))
    if user.has(Role.liaison) and user.liaison_id is not None:
        clauses.append(Case.liaison_id == user.liaison_id)
    return sa.or_(*clauses) if clauses else sa.false()


def is_overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Open, past its deadline and not yet reported done."""
    return sa.and_(Case.due_at < now, Case.status.in_(HANDLING))


def due_today_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Open, due before the end of today and not yet past due."""
    end = datetime.combine(now.date(), time.max)
    return sa.and_(Case.due_at >= now, Case.due_at <= end, Case.status.in_(HANDLING))


DUE_SOON = timedelta(hours=48)


def due_soon_clause(now: datetime) -> sa.ColumnElement[bool]:
    """Open and due within the next 48 hours: the unit's warning before a case goes overdue."""
    return sa.and_(Case.due_at >= now, Case.due_at <= now + DUE_SOON, Case.status.in_(HANDLING))


@dataclass(frozen=True)
class LedgerFilter:
    statuses: tuple[str, ...] = ()
    township_id: int | None = None
    category_id: int | None = None
    text: str = ""
    only_overdue: bool = False
    unit_id: int | None = None
    priority: str | None = None
    owner_leader_id: int | None = None


SEARCH_MAX = 200  # characters of a search that count; the search boxes take no more


def mask_name(name: str | None) -> str:
    return name[0] + "**" if isinstance(name, str) and name else ""


def mask_phone(phone: str | None) -> str:
    if not isinstance(phone, str) or not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def list_cases(session: Session, *, user: CurrentUser, filters: LedgerFilter, now: datetime,
               page: int = 1, page_size: int = 50, extra: sa.ColumnElement[bool] | None = None,
               by_deadline: bool = False) -> tuple[int, pd.DataFrame]:
    """(total matching, one page of rows). Newest first, or nearest deadline first for work
    queues (`extra` is the queue's condition). Personal data only for roles that need it."""
    township, village, unit = aliased(Unit), aliased(Unit), aliased(Unit)
    where = [visible_cases(user)]
    if extra is not None:
        where.append(extra)
    if filters.unit_id:
        where.append(Case.unit_id == filters.unit_id)
    if filters.priority:
        where.append(Case.priority == filters.priority)
    if filters.owner_leader_id:
        where.append(Case.owner_leader_id == filters.owner_leader_id)
    if filters.statuses:
        where.append(Case.status.in_(filters.statuses))
    if filters.township_id:
        where.append(Case.township_id == filters.township_id)
    if filters.category_id:
        where.append(Case.category_id == filters.category_id)
    if filters.text.strip():
        # cut to SEARCH_MAX: SQLite refuses a LIKE pattern of 50,000 bytes ("pattern too complex")
        text = filters.text.strip()[:SEARCH_MAX].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        needle = f"%{text}%"  # what was typed, taken literally: % and _ are not wildcards here
        where.append(sa.or_(Case.tracking_code.ilike(needle, escape="\\"), Case.content.ilike(needle, escape="\\")))
    if filters.only_overdue:
        where.append(is_overdue_clause(now))
    total = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    query = (
        select(Case.id, Case.version, Case.tracking_code, Case.received_at, Case.channel, Case.title, township.name.label("township"),
               village.name.label("village"), Category.name_zh.label("category"), Category.name_en.label("category_en"),
               unit.name.label("unit"), Case.status, Case.due_at, Case.reporter_name, Case.reporter_phone,
               Case.is_urgent, Case.is_major, Case.on_supervision_register, Case.rating,
               is_overdue_clause(now).label("overdue"), due_today_clause(now).label("due_today"))
        .select_from(Case)
        .outerjoin(township, township.id == Case.township_id)
        .outerjoin(village, village.id == Case.village_id)
        .outerjoin(unit, unit.id == Case.unit_id)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(*where)
        .order_by(*((Case.due_at.is_(None), Case.due_at, Case.received_at) if by_deadline
                    else (Case.received_at.desc(), Case.id.desc())))
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    )
    frame = pd.DataFrame(session.exec(query).mappings().all())
    if frame.empty:
        return total, frame
    for column in ("received_at", "due_at"):
        frame[column] = pd.to_datetime(frame[column])
    if not sees_personal_data(user):
        frame["reporter_name"] = frame["reporter_name"].map(mask_name)
        frame["reporter_phone"] = frame["reporter_phone"].map(mask_phone)
    return total, frame


def result_summaries(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The result text of each case, for lists that show it (the liaison's reports)."""
    if not case_ids:
        return {}
    rows = session.exec(select(Case.id, Case.result_summary).where(Case.id.in_(case_ids))).all()
    return {case_id: text for case_id, text in rows if text}
