"""The case ledger (台账) read side: who may see which case, and the filtered, paged list."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from core import search
from core.auth import CurrentUser, sees_personal_data
from core.models import Case, CaseStatus, Category, Role, Unit
from core.workflow import HANDLING, TERMINAL

OPEN_STATUSES = tuple(s for s in CaseStatus if s not in TERMINAL)


SEES_COUNTY = (Role.clerk, Role.leader, Role.supervisor, Role.admin)


def visible_cases(user: CurrentUser) -> sa.ColumnElement[bool]:
    """Why: a handling unit sees only the cases dispatched to it and a liaison only their own
    reports; the center, leaders and the supervision office see the whole county."""
    if user.has(*SEES_COUNTY):
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


TRACKING_CODE = re.compile(r"[A-Z]{1,4}-\d{4}(-[A-Z0-9]{0,9})?")  # MQ-2026-000123, or its beginning


def text_clause(session: Session, typed: str, listing: bool = True) -> sa.ColumnElement[bool]:
    """A typed search: a tracking code (whole, from its unique index; or its beginning), or words
    in the title or content from the full-text index (core.search). A search with no letter or
    digit ("%", "——") is a literal scan of title and content: % and _ are not wildcards here."""
    typed = typed.strip()[:SEARCH_MAX]  # SQLite refuses a LIKE pattern of 50,000 bytes
    found = []
    code = typed.upper()
    if TRACKING_CODE.fullmatch(code):
        whole = code.count("-") == 2 and len(code.rsplit("-", 1)[-1]) >= 6  # ids past 999,999 have 7 digits
        found.append(Case.tracking_code == code if whole else Case.tracking_code.like(code + "%"))
    if search.searchable(typed):
        found.append(search.match(session.connection(), typed, listing))
    else:
        needle = "%" + typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found += [Case.title.ilike(needle, escape="\\"), Case.content.ilike(needle, escape="\\")]
    return sa.or_(*found)


Cursor = tuple[datetime, int]  # (received_at, id) of the last row of a page, newest first


def conditions(session: Session, user: CurrentUser, filters: LedgerFilter, now: datetime,
               extra: sa.ColumnElement[bool] | None = None, listing: bool = True) -> list[sa.ColumnElement[bool]]:
    """What a list shows (or counts, listing=False): the user's cases, the queue's condition
    (`extra`) and the filters."""
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
        where.append(text_clause(session, filters.text, listing))
    if filters.only_overdue:
        where.append(is_overdue_clause(now))
    return where


def only_words(user: CurrentUser, filters: LedgerFilter, extra: sa.ColumnElement[bool] | None) -> bool:
    """A search over the whole county with no other condition: the index alone answers it."""
    return extra is None and user.has(*SEES_COUNTY) and replace(filters, text="") == LedgerFilter()


def count_cases(session: Session, *, user: CurrentUser, filters: LedgerFilter, now: datetime,
                extra: sa.ColumnElement[bool] | None = None) -> int:
    typed = filters.text.strip()[:SEARCH_MAX]
    if only_words(user, filters, extra) and search.searchable(typed) and not TRACKING_CODE.fullmatch(typed.upper()):
        return search.count(session.connection(), typed)  # words alone, over the whole county: the index counts
    where = conditions(session, user, filters, now, extra, listing=False)
    return session.exec(select(func.count()).select_from(Case).where(*where)).one()


@dataclass(frozen=True)
class SearchPlan:
    """How a list with words finds its rows: drawn from its few matches (`drawn`, their ids under
    all of the list's conditions: PostgreSQL) or walked newest first (None)."""
    drawn: sa.ColumnElement[bool] | None = None


def search_plan(session: Session, *, user: CurrentUser, filters: LedgerFilter, now: datetime,
                extra: sa.ColumnElement[bool] | None = None) -> SearchPlan:
    """Decided once per set of filters by a page that turns pages (the ledger keeps it with its
    count): on PostgreSQL it fetches up to 5,001 ids, which every page turn repeated."""
    if not search.searchable(filters.text.strip()[:SEARCH_MAX]):
        return SearchPlan()
    return SearchPlan(search.draw(session.connection(), lambda: select(Case.id).where(
        *conditions(session, user, filters, now, extra, listing=False))))


def list_cases(session: Session, *, user: CurrentUser, filters: LedgerFilter, now: datetime,
               page: int = 1, page_size: int = 50, extra: sa.ColumnElement[bool] | None = None,
               by_deadline: bool = False, after: Cursor | None = None,
               count: bool = True, plan: SearchPlan | None = None) -> tuple[int | None, pd.DataFrame]:
    """(total matching, or None with count=False; one page of rows). Newest first, or nearest
    deadline first for work queues (`extra` is the queue's condition). A page is either the
    page-th (OFFSET: short queues) or the one after `after`, the cursor of the page before it
    (keyset: the ledger, whose 20,000th page costs what its first does). `plan`: how words are
    found, decided when the filters were set (search_plan); decided now when not given. Personal
    data only for roles that need it."""
    if after is not None and by_deadline:
        raise ValueError("a cursor pages the newest-first order only")
    township, village, unit = aliased(Unit), aliased(Unit), aliased(Unit)
    where = conditions(session, user, filters, now, extra)
    plan = plan or search_plan(session, user=user, filters=filters, now=now, extra=extra)
    if plan.drawn is not None:
        where = [plan.drawn]  # each drawn case met every condition
    total = count_cases(session, user=user, filters=filters, now=now, extra=extra) if count else None
    if after is not None:
        where.append(sa.tuple_(Case.received_at, Case.id) < sa.tuple_(*after))
        page = 1
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


def cursor_after(rows: pd.DataFrame) -> Cursor:
    """The cursor of the page after `rows` (a newest-first page of list_cases)."""
    last = rows.iloc[-1]
    return last["received_at"].to_pydatetime(), int(last["id"])


def result_summaries(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The result text of each case, for lists that show it (the liaison's reports)."""
    if not case_ids:
        return {}
    rows = session.exec(select(Case.id, Case.result_summary).where(Case.id.in_(case_ids))).all()
    return {case_id: text for case_id, text in rows if text}
