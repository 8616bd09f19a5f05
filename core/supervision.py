"""The supervision office (督办室, S2 §四): the register of cases it watches — overdue, major,
three returns in a row, or put on the register — with how often they were reminded, and the
circular (通报) it drafts from them, grouped by unit, as a print-ready page."""
from __future__ import annotations

from datetime import datetime
from html import escape

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, func, select

from core.auth import CurrentUser
from core.errors import DomainError
from core.ledger import OPEN_STATUSES, is_overdue_clause, visible_cases
from core.models import Case, CaseAction, CaseEvent, Circular, Role, Unit
from core.sheets import STYLE

REASONS = ("overdue", "major", "circular_due", "on_register")
# who may read the register: the office itself, and the leaders and the center it reports to
READERS = (Role.supervisor, Role.leader, Role.clerk)


def _require_reader(user: CurrentUser) -> None:
    if not user.has(*READERS):
        raise DomainError("error.permission")


def _reason_clause(reason: str, now: datetime) -> sa.ColumnElement[bool]:
    return {"overdue": is_overdue_clause(now), "major": sa.and_(Case.is_major, Case.status.in_(OPEN_STATUSES)),
            "circular_due": Case.circular_due,
            "on_register": sa.and_(Case.on_supervision_register, Case.status.in_(OPEN_STATUSES))}[reason]


def register(session: Session, *, user: CurrentUser, now: datetime, reasons: tuple[str, ...] = REASONS,
             unit_id: int | None = None, page: int = 1, page_size: int = 50) -> tuple[int, pd.DataFrame]:
    """(total, one page) of the cases under supervision for any of `reasons`, most overdue first,
    with reminder counts. A page at a time: the register is a query, not a load."""
    _require_reader(user)
    where = [visible_cases(user), sa.or_(*(_reason_clause(r, now) for r in reasons))]
    if unit_id:
        where.append(Case.unit_id == unit_id)
    total = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    reminders = (select(CaseEvent.case_id, func.count().label("reminders"), func.max(CaseEvent.at).label("last_reminded"))
                 .where(CaseEvent.action == CaseAction.supervise).group_by(CaseEvent.case_id).subquery())
    query = (select(Case.id, Case.version, Case.tracking_code, Case.title, Unit.name.label("unit"), Case.unit_id,
                    Case.status, Case.received_at, Case.due_at, Case.return_count, Case.consecutive_returns,
                    is_overdue_clause(now).label("overdue"), Case.is_major, Case.circular_due,
                    Case.on_supervision_register, func.coalesce(reminders.c.reminders, 0).label("reminders"),
                    reminders.c.last_reminded)
             .select_from(Case).outerjoin(Unit, Unit.id == Case.unit_id)
             .outerjoin(reminders, reminders.c.case_id == Case.id)
             .where(*where).order_by(Case.due_at.is_(None), Case.due_at, Case.id)
             .offset((max(page, 1) - 1) * page_size).limit(page_size))
    frame = pd.DataFrame(session.exec(query).mappings().all())
    if not frame.empty:
        frame["due_at"] = pd.to_datetime(frame["due_at"])
        frame["days_overdue"] = [max(0, (now - due).days + 1) if over and pd.notna(due) else 0
                                 for due, over in zip(frame["due_at"], frame["overdue"], strict=True)]
    return total, frame


def recent_circulars(session: Session, *, user: CurrentUser, limit: int = 50) -> pd.DataFrame:
    _require_reader(user)
    rows = session.exec(select(Circular.issued_at, Unit.name.label("unit"), Case.tracking_code, Circular.reason)
                        .join(Unit, Unit.id == Circular.unit_id).outerjoin(Case, Case.id == Circular.case_id)
                        .order_by(Circular.issued_at.desc(), Circular.id.desc()).limit(limit)).mappings().all()
    return pd.DataFrame(rows)


def circular_document(rows: pd.DataFrame, *, title: str, intro: str, issuer: str, now: datetime) -> str:
    """通报 as print-ready HTML: the office's words, then each unit with its cases (code, matter,
    deadline, days overdue, returns, reminders). Everything typed is escaped."""
    if rows.empty:
        raise DomainError("error.circular_empty")
    sections = []
    frame = rows.assign(unit=rows["unit"].fillna("（未定承办单位）"))
    for unit, group in frame.groupby("unit", sort=False):
        lines = "".join(
            f"<tr><td>{escape(r.tracking_code)}</td><td>{escape(r.title)}</td>"
            f"<td>{'' if pd.isna(r.due_at) else f'{r.due_at:%Y-%m-%d}'}</td><td>{int(r.days_overdue) or ''}</td>"
            f"<td>{int(r.return_count) or ''}</td><td>{int(r.reminders) or ''}</td></tr>"
            for r in group.itertuples())
        sections.append(f"<h2>{escape(unit)}（{len(group)} 件）</h2><table><tr><th>编号</th><th>事项</th>"
                        f"<th>办理时限</th><th>超期天数</th><th>退回次数</th><th>催办次数</th></tr>{lines}</table>")
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{STYLE} th {{ width: auto; }} h2 {{ font-size: 13pt; margin: 6mm 0 2mm; }}</style></head><body>"
            f"<h1>{escape(title)}</h1><div class=\"meta\"><span>{escape(issuer)}</span><span>{now:%Y年%m月%d日}</span>"
            f"</div><p style=\"white-space: pre-wrap\">{escape(intro)}</p>{''.join(sections)}"
            f"<p>共涉及 {frame['unit'].nunique()} 个单位、{len(frame)} 件事项。</p></body></html>")
