"""接访议程: a leader arrives prepared. For each reception day, the cases of the reception's area
or of the receiving leader's portfolio (分管 categories, 包联 townships, cases they own) that are
overdue, returned for redo more than once, rated 不满意, re-reported after closing, or urgent;
printable as a briefing a few days before; at the reception the clerk records what was decided on
each, and that goes into the case's record as an event."""
from __future__ import annotations

import html
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, select

from core import alerts, labels, portfolio, reception, services
from core.auth import CurrentUser
from core.errors import DomainError
from core.ledger import is_overdue_clause
from core.models import Case, CaseAction, CaseEvent, CaseStatus as S, Leader, Rating, Role, Unit, UnitKind
from core.workflow import TERMINAL

AGENDA_DAYS = 5  # the briefing is ready this many days before the reception
RECENT_RATING_DAYS = 90  # a 不满意 older than this is history, not an agenda item
REASONS = ("overdue", "returned", "dissatisfied", "rereported", "urgent")
RECORDERS = (Role.clerk, Role.admin)  # and the receiving leader


def reasons(session: Session, *, now: datetime) -> dict[str, sa.ColumnElement[bool]]:
    """Why a case is on an agenda: one condition per reason."""
    still_open = Case.status.not_in(TERMINAL)
    return {
        "overdue": is_overdue_clause(now),
        "returned": sa.and_(still_open, Case.return_count >= 2),
        "dissatisfied": sa.and_(Case.status != S.merged, Case.rating == Rating.dissatisfied,
                                Case.rated_at >= now - timedelta(days=RECENT_RATING_DAYS)),
        "rereported": sa.and_(still_open, alerts.repeats_a_closed_case(session)),
        "urgent": sa.and_(still_open, sa.or_(Case.is_urgent, Case.is_major)),
    }


def area(session: Session, occ: reception.Occurrence) -> sa.ColumnElement[bool]:
    """The reception's own place and the receiving leader's portfolio and cases. A county-level
    reception has no place of its own: only the leader's fields count there."""
    found = []
    unit = session.get(Unit, occ.village_id or occ.unit_id) if (occ.village_id or occ.unit_id) else None
    if unit is not None and unit.kind in (UnitKind.township, UnitKind.community):
        found.append(Case.township_id == unit.id)
    elif unit is not None and unit.kind in (UnitKind.village, UnitKind.group):
        found.append(Case.village_id == unit.id)
    leader_id = occ.effective_leader_id
    if leader_id is not None:
        categories, townships = portfolio.of_leader(session, leader_id)
        if categories:
            found.append(Case.category_id.in_(categories))
        if townships:
            found.append(Case.township_id.in_(townships))
        found.append(Case.owner_leader_id == leader_id)
    return sa.or_(*found) if found else sa.false()


def _require_reader(user: CurrentUser) -> None:
    if not user.has(*reception.READERS):
        raise DomainError("error.permission")


def as_of(occ: reception.Occurrence, now: datetime) -> datetime:
    """The moment an agenda is drawn up for: now until the reception starts, then its start, so
    that the agenda the clerk records against is the one the leader was briefed with."""
    return min(now, datetime.combine(occ.date, occ.start_time))


def items(session: Session, *, user: CurrentUser, key: str, now: datetime) -> pd.DataFrame:
    """The agenda of one reception: its cases, each with the reasons it is there and what the
    reception decided on it (once recorded); overdue first, then the oldest."""
    _require_reader(user)
    occ = reception.occurrence(session, key)
    why = reasons(session, now=as_of(occ, now))
    flags = [sa.case((condition, True), else_=False).label(name) for name, condition in why.items()]
    decided = outcomes(session, key=key)  # a case decided on stays on its agenda, closed since or not
    rows = session.exec(select(Case.id, Case.tracking_code, Case.title, Case.status, Case.due_at, Case.return_count,
                               Case.received_at, Unit.name, *flags)
                        .join(Unit, Unit.id == Case.unit_id, isouter=True)
                        .where(sa.or_(sa.and_(area(session, occ), sa.or_(*why.values())), Case.id.in_(list(decided))))
                        .order_by(sa.desc(flags[0]), Case.received_at)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["id", "tracking_code", "title", "status", "due_at",
                                                            "return_count", "received_at", "unit", *why])
    frame["outcome"] = frame["id"].map(lambda i: decided.get(int(i), ""))
    return frame


def outcomes(session: Session, *, key: str) -> dict[int, str]:
    """What each agenda item's case got at this reception (the last word, if said twice)."""
    rows = session.exec(select(CaseEvent.case_id, CaseEvent.details).where(
        CaseEvent.action == CaseAction.agenda_outcome, CaseEvent.details["reception"].as_string() == key)
        .order_by(CaseEvent.at, CaseEvent.id)).all()
    return {case_id: details.get("outcome", "") for case_id, details in rows}


def record_outcome(session: Session, *, actor: CurrentUser, key: str, case_id: int, outcome: str,
                   now: datetime) -> CaseEvent:
    """The reception's decision on an agenda item, written into the case's record. Only on the
    reception day or after it, and only for a case on that reception's agenda."""
    occ = reception.occurrence(session, key)
    if not (actor.has(*RECORDERS) or (actor.has(Role.leader) and
                                       reception.leader_id_of(session, actor) == occ.effective_leader_id)):
        raise DomainError("error.permission")
    if not (outcome or "").strip():
        raise DomainError("error.fields_missing", field="outcome", fields=["outcome"])
    if occ.date > now.date():
        raise DomainError("error.agenda_not_yet", day=occ.date.isoformat())
    if case_id not in set(items(session, user=actor, key=key, now=now)["id"]):
        raise DomainError("error.agenda_not_on")
    case = session.get(Case, case_id)
    leader = session.get(Leader, occ.effective_leader_id) if occ.effective_leader_id else None
    event = services.note(session, case, actor=actor, action=CaseAction.agenda_outcome, now=now,
                          details={"reception": key, "day": occ.date.isoformat(), "leader": leader.name if leader else "",
                                   "outcome": outcome.strip()})
    session.flush()
    return event


def upcoming(session: Session, *, user: CurrentUser, today: date) -> list[tuple[reception.Occurrence, int]]:
    """A leader's receptions in the next AGENDA_DAYS days with the size of each agenda."""
    leader_id = reception.leader_id_of(session, user)
    if leader_id is None:
        return []
    now = datetime.combine(today, datetime.min.time())
    found = []
    for occ in reception.occurrences(session, start=today, end=today + timedelta(days=AGENDA_DAYS), leader_id=leader_id):
        found.append((occ, len(items(session, user=user, key=occ.key, now=now))))
    return found


def briefing_html(session: Session, occ: reception.Occurrence, frame: pd.DataFrame, *, county: str, now: datetime,
                  lang: str = labels.DEFAULT_LANGUAGE) -> str:
    """The agenda as a printable A4 briefing; every value escaped; the reasons in words."""
    t = lambda key, **v: labels.t(key, lang, **v)  # noqa: E731
    leader = session.get(Leader, occ.effective_leader_id) if occ.effective_leader_id else None
    head = [t("col.tracking_code"), t("col.title"), t("col.unit"), t("col.status"), t("col.due_at"), t("agenda.col.why"),
            t("agenda.col.outcome")]
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            r.tracking_code, r.title, r.unit or "", labels.label(S(r.status), lang),
            "" if pd.isna(r.due_at) else f"{r.due_at:%Y-%m-%d}",
            "、".join(t(f"agenda.reason.{k}") for k in REASONS if getattr(r, k)), r.outcome or "")) + "</tr>"
        for r in frame.itertuples())
    title = t("agenda.title", name=occ.name, day=occ.date.isoformat(), leader=leader.name if leader else "—")
    return (f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>@page{{size:A4 landscape;margin:15mm}}"
            f"body{{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}}@media print{{body{{margin:0}}}}"
            f"h1{{text-align:center;font-size:1.5em}}table{{width:100%;border-collapse:collapse}}"
            f"th,td{{border:1px solid #333;padding:.4em;text-align:left;vertical-align:top}}th{{background:#f3f3f3}}"
            f"td:last-child{{width:22%}}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(t('agenda.summary', n=len(frame), place=occ.place or '—', time=f'{occ.start_time:%H:%M}'))}</p>"
            f"<table><tr>{''.join(f'<th>{html.escape(h)}</th>' for h in head)}</tr>{body}</table>"
            f"<p style='text-align:right'>{html.escape(t('agenda.issued', county=county, at=f'{now:%Y-%m-%d %H:%M}'))}</p>"
            "</body></html>")
