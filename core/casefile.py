"""One case as a person reads it (案卷): its fields with names resolved, its reports, pending
extension and timeline — only for users who may see it, personal data masked by role — and the
form fields each action asks for."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from core import deadlines, labels, limits
from core.auth import CurrentUser, sees_personal_data
from core.ledger import mask_name, mask_phone, visible_cases
from core.models import (Case, CaseAction as A, CaseEvent, Category, Extension, ExtensionStatus, FeedbackChannel,
                         HandlingReport, Leader, Liaison, Priority, Rating, ReturnReason, Role, Tier, Truthfulness,
                         Unit)


@dataclass
class CaseFile:
    case: Case
    names: dict[str, str]
    reporter_name: str
    reporter_phone: str
    events: list[CaseEvent]
    reports: list[HandlingReport]
    pending_extension: Extension | None
    master_code: str | None = None
    duplicates: list[str] = field(default_factory=list)
    due_provisional: bool = False  # the deadline counts days of a year whose holidays are not entered yet


def _name(session: Session, model, row_id: int | None, column: str = "name") -> str:
    if row_id is None:
        return ""
    row = session.get(model, row_id)
    return getattr(row, column) if row is not None else ""


def open_case(session: Session, *, user: CurrentUser, tracking_code: str) -> CaseFile | None:
    """None when the code does not exist or the user may not see that case (same answer for
    both, so a code cannot be probed)."""
    case = session.exec(select(Case).where(Case.tracking_code == tracking_code.strip().upper(),
                                           visible_cases(user))).first()
    if case is None:
        return None
    personal = sees_personal_data(user)
    category = session.get(Category, case.category_id) if case.category_id else None
    names = {
        "township": _name(session, Unit, case.township_id), "village": _name(session, Unit, case.village_id),
        "unit": _name(session, Unit, case.unit_id), "liaison": _name(session, Liaison, case.liaison_id),
        "owner": _name(session, Leader, case.owner_leader_id),
        "category_zh": category.name_zh if category else "", "category_en": category.name_en if category else "",
    }
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    reports = session.exec(select(HandlingReport).where(HandlingReport.case_id == case.id)
                           .order_by(HandlingReport.round)).all()
    pending = session.exec(select(Extension).where(Extension.case_id == case.id,
                                                   Extension.status == ExtensionStatus.pending)).first()
    duplicates = session.exec(select(Case.tracking_code).where(Case.master_case_id == case.id)).all()
    return CaseFile(
        case=case, names=names,
        reporter_name=(case.reporter_name or "") if personal else mask_name(case.reporter_name),
        reporter_phone=(case.reporter_phone or "") if personal else mask_phone(case.reporter_phone),
        events=events, reports=reports, pending_extension=pending,
        master_code=session.exec(select(Case.tracking_code).where(Case.id == case.master_case_id)).first()
        if case.master_case_id else None,
        duplicates=list(duplicates),
        due_provisional=deadlines.is_provisional(case.due_at, limits.calendar(session), case.dispatched_at),
    )


@dataclass(frozen=True)
class Field:
    """One input of an action form: `kind` is text, long_text, choice, unit, category, leader (a
    leader of the network, by name), date, case_code or bool; `choices` names the enum for a choice."""

    name: str
    kind: str
    choices: type | None = None
    optional: bool = False


ACTION_FORMS: dict[A, tuple[Field, ...]] = {
    A.draft: (Field("category_id", "category"), Field("tier", "choice", Tier), Field("priority", "choice", Priority),
              Field("unit_id", "unit", optional=True), Field("handling_opinion", "long_text", optional=True)),
    A.order: (Field("instruction", "long_text", optional=True),),
    A.answer_on_spot: (Field("answer", "long_text"), Field("responsible_signoff", "text"),
                       Field("follow_up_note", "long_text"), Field("leader_signoff", "leader", optional=True)),
    A.accept: (),
    A.decline: (Field("reason", "long_text"),),
    A.transfer: (Field("unit_id", "unit"), Field("reason", "long_text")),
    A.report: (Field("truthful", "choice", Truthfulness), Field("cause", "long_text"), Field("measures", "long_text"),
               Field("result", "long_text"), Field("liaison_opinion", "long_text"),
               Field("responsible_person", "text")),
    A.approve: (Field("note", "long_text", optional=True),),
    A.return_for_redo: (Field("reason", "choice", ReturnReason), Field("note", "long_text", optional=True)),
    A.feedback: (Field("channel", "choice", FeedbackChannel), Field("text", "long_text")),
    A.rate: (Field("rating", "choice", Rating), Field("note", "long_text", optional=True)),
    A.follow_up: (Field("note", "long_text"),),
    A.close: (Field("leader_signoff", "leader", optional=True),),
    A.explain_and_close: (Field("explanation", "long_text"),),
    A.request_extension: (Field("requested_due_at", "date"), Field("reason", "long_text")),
    A.approve_extension: (Field("approve", "bool"), Field("note", "long_text", optional=True)),
    A.merge: (Field("master_case_id", "case_code"),),
    A.reopen: (Field("reason", "long_text"),),
    A.supervise: (Field("note", "long_text"),),
    A.circulate: (Field("reason", "long_text"),),
}


def master_id_for(session: Session, tracking_code: str) -> int | None:
    return session.exec(select(Case.id).where(Case.tracking_code == tracking_code.strip().upper())).first()


def action_name(action: A, user: CurrentUser, lang: str = labels.DEFAULT_LANGUAGE) -> str:
    """下单批示 is the leader's word; the center's clerk, taking the same step, 交办 (dispatches)."""
    if action == A.order and not user.has(Role.leader):
        return labels.t("case.dispatch", lang)
    return labels.label(action, lang)
