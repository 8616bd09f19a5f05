"""The only writers of cases. Each action: load the case, check the version the user saw, ask the
workflow table whether this user may take this action now, check its guards, then claim the row
(version + 1, exactly one concurrent writer wins), apply the change and write exactly one
CaseEvent — all in the caller's transaction. Before the claim a service only reads, checks and
changes the case object in memory; rows besides the case (reports, extensions, circulars) are
written after it. A refused action raises DomainError and leaves nothing written: the caller
rolls back, or act_many expires the case and goes on. Services never commit."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import deadlines, limits, portfolio, workflow
from core.auth import CurrentUser
from core.errors import DomainError
from core.ledger import is_overdue_clause
from core.models import (Case, CaseAction as A, CaseEvent, CaseStatus as S, Channel, Circular, Extension,
                         ExtensionStatus, FeedbackChannel, HandlingReport, Priority, Rating, ReturnReason, Role,
                         Tier, Truthfulness)

SYSTEM = "system"
THREE_RETURNS = 3  # S2 §四.5: three returns in a row of the same matter → circular of criticism
TITLE_LENGTH = 28


class ConflictError(DomainError):
    """Someone else changed the case since this user loaded it."""

    def __init__(self, *, who: str, when: datetime) -> None:
        super().__init__("error.conflict", who=who, when=when.strftime("%Y-%m-%d %H:%M"))


def tracking_code(year: int, case_id: int) -> str:
    return f"MQ-{year}-{case_id:06d}"


def make_title(content: str) -> str:
    text = " ".join(content.split())
    return text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH] + "…"


def _event(session: Session, case: Case, *, actor: CurrentUser | None, role: str, action: A, now: datetime,
           from_status: S | None, details: dict) -> CaseEvent:
    event = CaseEvent(case_id=case.id, at=now, actor_id=actor.id if actor else None,
                      actor_name=actor.display_name if actor else "系统", actor_role=role, action=action,
                      from_status=from_status, to_status=case.status, details=details)
    session.add(event)
    return event


def note(session: Session, case: Case, *, actor: CurrentUser, action: A, now: datetime, details: dict) -> CaseEvent:
    """A note in the case's record that changes no stage (workflow.NOTES), in the actor's first role."""
    if action not in workflow.NOTES:
        raise ValueError(f"{action} is a step, not a note")
    role = next((str(r) for r in workflow.ROLE_PRECEDENCE if r in actor.roles), "system")
    return _event(session, case, actor=actor, role=role, action=action, now=now, from_status=case.status,
                  details=details)


def register(session: Session, *, actor: CurrentUser | None, now: datetime, channel: Channel, content: str,
             reporter_name: str | None = None, reporter_phone: str | None = None,
             reporter_address: str | None = None, township_id: int | None = None, village_id: int | None = None,
             category_id: int | None = None, is_urgent: bool = False, is_major: bool = False,
             liaison_id: int | None = None, owner_leader_id: int | None = None,
             reception_day_id: int | None = None, affected_count: int = 1, title: str | None = None) -> Case:
    """登记: a new case in stage received, with its tracking code, from any channel."""
    role = _registering_role(actor, channel)
    workflow.require({"content": content}, ("content",))
    if role == Role.liaison:
        liaison_id = actor.liaison_id  # a liaison files only in their own name
    case = Case(tracking_code=f"TMP-{uuid.uuid4().hex[:16]}", channel=channel, status=S.received,
                title=title or make_title(content), content=content.strip(), reporter_name=reporter_name,
                reporter_phone=reporter_phone, reporter_address=reporter_address, township_id=township_id,
                village_id=village_id, category_id=category_id, is_urgent=is_urgent, is_major=is_major,
                liaison_id=liaison_id, owner_leader_id=owner_leader_id, reception_day_id=reception_day_id,
                affected_count=affected_count, received_at=now, created_by_id=actor.id if actor else None,
                version=1)
    session.add(case)
    session.flush()
    code = tracking_code(now.year, case.id)
    if session.exec(select(Case.id).where(Case.tracking_code == code)).first() is not None:
        code = f"{code}-{case.id}"  # an imported ledger already used this number
    case.tracking_code = code
    details = {"intake_channel": str(channel), "urgent": is_urgent, "major": is_major}
    if channel == Channel.reception:
        # the leader's one- or two-week promise runs from the reception (S4 立案交办): known at once
        case.due_at = limits.due_for(session, tier=Tier.unit, category_id=category_id, channel=channel,
                                     is_major=is_major, start=now, received_at=now)
        details["due_at"] = case.due_at.isoformat(timespec="minutes")
    _event(session, case, actor=actor, role=role, action=A.register, now=now, from_status=None, details=details)
    session.flush()
    return case


def _registering_role(actor: CurrentUser | None, channel: Channel) -> str:
    """Liaisons file through their form and from their visits to households (民情日记); the center
    registers every channel; a leader registers what they hear at a reception, and what a linked
    liaison reports to them directly (S2 §一.3)."""
    if actor is None:
        return SYSTEM
    if actor.has(Role.clerk):
        return Role.clerk
    if actor.has(Role.liaison) and channel in (Channel.liaison_form, Channel.visit):
        return Role.liaison
    if actor.has(Role.leader) and channel in (Channel.reception, Channel.direct_report):
        return Role.leader
    raise DomainError("error.permission")


def _conflict(session: Session, case_id: int) -> ConflictError:
    with session.no_autoflush:
        return _conflict_unflushed(session, case_id)


def _conflict_unflushed(session: Session, case_id: int) -> ConflictError:
    last = session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)
                        .order_by(CaseEvent.id.desc()).limit(1)).first()
    return ConflictError(who=last.actor_name if last else "?", when=last.at if last else datetime.min)


class _Step:
    """One action on one case: load and check, then `commit_to` claims the row and logs the event."""

    def __init__(self, session: Session, *, case_id: int, actor: CurrentUser | None, action: A,
                 now: datetime, expected_version: int, role: str | None = None) -> None:
        self.session, self.actor, self.action, self.now = session, actor, action, now
        self.expected_version = expected_version
        case = session.get(Case, case_id, populate_existing=True)
        if case is None:
            raise DomainError("error.case_not_found")
        if case.version != expected_version:
            raise _conflict(session, case_id)
        if workflow.rule_for(case.status, action) is None:
            raise DomainError("error.action_not_allowed", action=str(action), status=str(case.status))
        if role is None:
            acting = workflow.acting_role(actor, case.status, action, case_unit_id=case.unit_id,
                                          case_liaison_id=case.liaison_id)
            if acting is None:
                raise DomainError("error.permission")
            role = acting
        self.case, self.role = case, str(role)

    def commit_to(self, to_status: S, details: dict) -> Case:
        # no autoflush: the changes the service made in memory are written only after the claim
        # succeeds, so a lost race writes nothing at all
        with self.session.no_autoflush:
            claimed = self.session.execute(
                sa.update(Case).where(Case.id == self.case.id, Case.version == self.expected_version)
                .values(version=self.expected_version + 1).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                raise _conflict(self.session, self.case.id)
        from_status = S(self.case.status)
        self.case.version = self.expected_version + 1
        self.case.status = to_status
        _event(self.session, self.case, actor=self.actor, role=self.role, action=self.action, now=self.now,
               from_status=from_status, details=details)
        self.session.flush()
        return self.case

    def next(self, **kwargs) -> S:
        return workflow.next_status(self.case.status, self.action, **kwargs)


def _text(value: str | None) -> str:
    return (value or "").strip()


def draft(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
          category_id: int | None, tier: Tier | None, priority: Priority | None, unit_id: int | None = None,
          handling_opinion: str = "") -> Case:
    """拟单: classify, propose tier, priority, handling unit and opinion."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.draft, now=now, expected_version=expected_version)
    workflow.check_draft({"category_id": category_id, "tier": tier, "priority": priority, "unit_id": unit_id})
    case = step.case
    case.category_id, case.tier, case.priority = category_id, Tier(tier), Priority(priority)
    case.unit_id = unit_id if Tier(tier) != Tier.on_spot else None
    case.handling_opinion = _text(handling_opinion) or case.handling_opinion
    case.owner_leader_id = case.owner_leader_id or portfolio.owner_for(session, category_id=category_id,
                                                                        township_id=case.township_id)
    case.drafted_at = case.drafted_at or now
    return step.commit_to(step.next(), {"category_id": category_id, "tier": str(tier), "priority": str(priority),
                                        "unit_id": case.unit_id, "handling_opinion": _text(handling_opinion)})


def order(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
          instruction: str = "", owner_leader_id: int | None = None) -> Case:
    """下单/批示: dispatch to the drafted unit with a due date; major cases also go on the
    supervision register and need a leader's order."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.order, now=now, expected_version=expected_version)
    case = step.case
    if case.is_major and step.role != Role.leader:
        raise DomainError("error.major_needs_leader")
    if case.tier == Tier.on_spot or case.unit_id is None:
        raise DomainError("error.order_needs_unit")
    case.instruction = _text(instruction) or case.instruction
    case.owner_leader_id = owner_leader_id or case.owner_leader_id
    case.dispatched_at = now
    case.due_at = limits.due_for(session, tier=case.tier, category_id=case.category_id, channel=case.channel,
                                 is_major=case.is_major, start=now, received_at=case.received_at)
    if case.is_major:
        case.on_supervision_register = True
    return step.commit_to(step.next(), {"instruction": _text(instruction), "unit_id": case.unit_id,
                                        "due_at": case.due_at.isoformat(timespec="minutes")})


def answer_on_spot(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
                   answer: str, responsible_signoff: str, follow_up_note: str,
                   leader_signoff: str | None = None) -> Case:
    """现场答复: closed at once, with the same evidence a close needs (三不结案)."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.answer_on_spot, now=now,
                 expected_version=expected_version)
    leader_signoff = _text(leader_signoff) or (actor.display_name if step.role == Role.leader else "")
    _check_close(opinion=answer, follow_up=follow_up_note, responsible_signoff=responsible_signoff,
                 leader_signoff=leader_signoff)
    case = step.case
    case.tier = Tier.on_spot
    case.result_summary, case.follow_up_note = _text(answer), _text(follow_up_note)
    case.responsible_signoff, case.leader_signoff = _text(responsible_signoff), leader_signoff
    case.followed_up_at = case.closed_at = now
    return step.commit_to(step.next(), {"answer": _text(answer), "follow_up": _text(follow_up_note),
                                        "signed_by": [case.responsible_signoff, leader_signoff]})


def accept(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int) -> Case:
    """签收: the unit takes the case on."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.accept, now=now, expected_version=expected_version)
    step.case.accepted_at = step.case.accepted_at or now
    return step.commit_to(step.next(), {})


def decline(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
            reason: str) -> Case:
    """退回交办: the unit objects; the center re-drafts. A misroute counts against the center."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.decline, now=now, expected_version=expected_version)
    workflow.require({"reason": reason}, ("reason",))
    case = step.case
    declined_unit = case.unit_id
    case.misroute_count += 1
    case.unit_id = None
    case.due_at = None
    return step.commit_to(step.next(), {"reason": _text(reason), "unit_id": declined_unit})


def transfer(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
             unit_id: int, reason: str) -> Case:
    """转办: the center hands the case to another unit with a new time limit."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.transfer, now=now, expected_version=expected_version)
    workflow.require({"unit_id": unit_id, "reason": reason}, ("unit_id", "reason"))
    case = step.case
    if unit_id == case.unit_id:
        raise DomainError("error.transfer_same_unit", field="unit_id")
    from_unit = case.unit_id
    case.unit_id = unit_id
    case.dispatched_at = case.dispatched_at or now
    case.due_at = limits.due_for(session, tier=case.tier or Tier.unit, category_id=case.category_id,
                                 channel=case.channel, is_major=case.is_major, start=now,
                                 received_at=case.received_at)
    case.consecutive_returns = 0
    return step.commit_to(step.next(), {"from_unit_id": from_unit, "unit_id": unit_id, "reason": _text(reason),
                                        "due_at": case.due_at.isoformat(timespec="minutes")})


def report(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
           truthful: Truthfulness | None, cause: str, measures: str, result: str, liaison_opinion: str,
           responsible_person: str) -> Case:
    """买单: the handling report with every field S2 asks for."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.report, now=now, expected_version=expected_version)
    values = {"truthful": truthful, "cause": cause, "measures": measures, "result": result,
              "liaison_opinion": liaison_opinion, "responsible_person": responsible_person}
    workflow.check_report(values)
    case = step.case
    rounds = session.exec(select(func.count()).select_from(HandlingReport)
                          .where(HandlingReport.case_id == case.id)).one()
    case.reported_at = now
    case.result_summary = _text(result)
    case.responsible_signoff = _text(responsible_person)
    step.commit_to(step.next(), {k: (str(v) if k == "truthful" else _text(v)) for k, v in values.items()}
                   | {"round": rounds + 1})
    session.add(HandlingReport(case_id=case.id, unit_id=case.unit_id, round=rounds + 1, truthful=Truthfulness(truthful),
                               cause=_text(cause), measures=_text(measures), result=_text(result),
                               liaison_opinion=_text(liaison_opinion), responsible_person=_text(responsible_person),
                               submitted_by_id=actor.id, submitted_at=now))
    session.flush()
    return case


def _review_latest_report(session: Session, case_id: int, *, actor: CurrentUser, now: datetime, approved: bool,
                          note: str, reason: ReturnReason | None = None) -> None:
    """Written after the claim, like every row besides the case itself."""
    row = session.exec(select(HandlingReport).where(HandlingReport.case_id == case_id)
                       .order_by(HandlingReport.round.desc()).limit(1)).first()
    if row is not None:
        row.approved, row.return_reason, row.review_note = approved, reason, _text(note)
        row.reviewed_by_id, row.reviewed_at = actor.id, now
        session.flush()


def approve(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
            note: str = "") -> Case:
    """审核通过: the supervision office accepts the report; the return streak ends."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.approve, now=now, expected_version=expected_version)
    step.case.approved_at = now
    step.case.consecutive_returns = 0
    step.commit_to(step.next(), {"note": _text(note)})
    _review_latest_report(session, case_id, actor=actor, now=now, approved=True, note=note)
    return step.case


def _count_return(case: Case) -> bool:
    """Returns True when this return makes three in a row (flag the unit for a circular)."""
    case.return_count += 1
    case.consecutive_returns += 1
    if case.consecutive_returns >= THREE_RETURNS:
        case.circular_due = True
        return True
    return False


def return_for_redo(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
                    reason: ReturnReason | None, note: str = "") -> Case:
    """退回重办 on one of S2 §四.4's grounds: incomplete form, answer misses the question, resident
    not satisfied."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.return_for_redo, now=now,
                 expected_version=expected_version)
    workflow.require({"reason": reason}, ("reason",))
    reason = ReturnReason(reason)
    circular = _count_return(step.case)
    step.commit_to(step.next(), {"reason": str(reason), "note": _text(note),
                                 "consecutive_returns": step.case.consecutive_returns, "circular_due": circular})
    _review_latest_report(session, case_id, actor=actor, now=now, approved=False, note=note, reason=reason)
    return step.case


def feedback(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
             channel: FeedbackChannel | None, text: str) -> Case:
    """反馈: the result goes back to the liaison or the resident."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.feedback, now=now, expected_version=expected_version)
    workflow.require({"channel": channel, "text": text}, ("channel", "text"))
    step.case.fed_back_at = now
    return step.commit_to(step.next(), {"channel": str(FeedbackChannel(channel)), "text": _text(text)})


def rate(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
         rating: Rating | None, note: str = "") -> Case:
    """签单: the resident's rating; every rating is kept in the log, the latest counts, and 不满意
    sends the case back to the unit for a second handling."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.rate, now=now, expected_version=expected_version)
    workflow.require({"rating": rating}, ("rating",))
    rating = Rating(rating)
    case = step.case
    case.first_rating = case.first_rating or rating
    case.rating, case.rated_at = rating, now
    details = {"rating": str(rating), "note": _text(note)}
    if rating == Rating.dissatisfied:
        details["second_handling"] = True
        details["circular_due"] = _count_return(case)
        case.follow_up_note = None  # the next close needs a follow-up of the new result
        case.leader_signoff = None
    return step.commit_to(step.next(rating=rating), details)


def follow_up(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
              note: str) -> Case:
    """回访: the follow-up sheet (回访单) that a close requires."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.follow_up, now=now, expected_version=expected_version)
    workflow.require({"note": note}, ("note",))
    step.case.followed_up_at, step.case.follow_up_note = now, _text(note)
    return step.commit_to(step.next(), {"note": _text(note)})


def _check_close(**items: str | None) -> None:
    missing = workflow.close_missing(**items)
    if missing:
        raise DomainError("error.close_missing", fields=missing)


def close(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
          leader_signoff: str | None = None) -> Case:
    """结案, only past the three no-closes; a leader closing signs for themselves."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.close, now=now, expected_version=expected_version)
    case = step.case
    signoff = _text(leader_signoff) or (actor.display_name if step.role == Role.leader else "")
    _check_close(opinion=case.result_summary, follow_up=case.follow_up_note,
                 responsible_signoff=case.responsible_signoff, leader_signoff=signoff)
    case.leader_signoff, case.closed_at = signoff, now
    return step.commit_to(step.next(), {"opinion": case.result_summary,
                                        "signed_by": [case.responsible_signoff, signoff]})


def explain_and_close(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
                      explanation: str) -> Case:
    """解释结案: an unreasonable demand (不合理诉求), explained to the resident."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.explain_and_close, now=now,
                 expected_version=expected_version)
    workflow.require({"explanation": explanation}, ("explanation",))
    step.case.result_summary, step.case.closed_at = _text(explanation), now
    return step.commit_to(step.next(), {"explanation": _text(explanation)})


def _pending_extension(session: Session, case_id: int) -> Extension | None:
    return session.exec(select(Extension).where(Extension.case_id == case_id,
                                                Extension.status == ExtensionStatus.pending)).first()


def request_extension(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
                      requested_due_at: datetime | None, reason: str) -> Case:
    """延期申请 (S2 §二.4): before the deadline passes, with a reason and a new deadline."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.request_extension, now=now,
                 expected_version=expected_version)
    workflow.require({"requested_due_at": requested_due_at, "reason": reason}, ("requested_due_at", "reason"))
    case = step.case
    if case.due_at is None or now > case.due_at:
        raise DomainError("error.extension_too_late")
    if requested_due_at <= case.due_at:
        raise DomainError("error.extension_not_later", field="requested_due_at")
    if _pending_extension(session, case_id) is not None:
        raise DomainError("error.extension_pending")
    # a deadline always ends a working day: a request for a rest day means the next working day
    requested_due_at = datetime.combine(deadlines.working_day_on_or_after(requested_due_at.date(),
                                                                          limits.calendar(session)),
                                        deadlines.END_OF_DAY)
    old_due = case.due_at
    step.commit_to(step.next(), {"reason": _text(reason),
                                 "requested_due_at": requested_due_at.isoformat(timespec="minutes")})
    session.add(Extension(case_id=case_id, requested_at=now, requested_by_id=actor.id, old_due_at=old_due,
                          requested_due_at=requested_due_at, reason=_text(reason)))
    session.flush()
    return case


def approve_extension(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
                      approve: bool = True, note: str = "") -> Case:
    """延期审批: decided before the old deadline passes; approval sets the new deadline."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.approve_extension, now=now,
                 expected_version=expected_version)
    pending = _pending_extension(session, case_id)
    if pending is None:
        raise DomainError("error.extension_none")
    if now > pending.old_due_at:
        raise DomainError("error.extension_too_late")
    if approve:
        step.case.due_at = pending.requested_due_at
    step.commit_to(step.next(), {"approved": approve, "note": _text(note),
                                 "due_at": step.case.due_at.isoformat(timespec="minutes")})
    pending.status = ExtensionStatus.approved if approve else ExtensionStatus.rejected
    pending.decided_at, pending.decided_by_id = now, actor.id
    session.flush()
    return step.case


def merge(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
          master_case_id: int) -> Case:
    """合并: a duplicate follows its master case."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.merge, now=now, expected_version=expected_version)
    master = session.get(Case, master_case_id)
    if master is None or master.id == case_id or master.status == S.merged:
        raise DomainError("error.merge_master", field="master_case_id")
    step.case.master_case_id = master.id
    return step.commit_to(step.next(), {"master": master.tracking_code, "master_case_id": master.id})


def reopen(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
           reason: str) -> Case:
    """重新办理: a closed, explained or merged case comes back to the center."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.reopen, now=now, expected_version=expected_version)
    workflow.require({"reason": reason}, ("reason",))
    case = step.case
    case.closed_at = None
    case.master_case_id = None
    case.follow_up_note = case.leader_signoff = None
    case.due_at = None
    return step.commit_to(step.next(), {"reason": _text(reason)})


def supervise(session: Session, *, case_id: int, actor: CurrentUser | None, now: datetime, expected_version: int,
              note: str) -> Case:
    """督办 / 催办: the case goes on the supervision register and the unit gets a reminder."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.supervise, now=now,
                 expected_version=expected_version, role=SYSTEM if actor is None else None)
    workflow.require({"note": note}, ("note",))
    step.case.on_supervision_register = True
    return step.commit_to(step.next(), {"note": _text(note), "automatic": actor is None})


def circulate(session: Session, *, case_id: int, actor: CurrentUser, now: datetime, expected_version: int,
              reason: str) -> Case:
    """通报: criticism of the handling unit, recorded against it (S2 §四.5, S4 考核)."""
    step = _Step(session, case_id=case_id, actor=actor, action=A.circulate, now=now, expected_version=expected_version)
    workflow.require({"reason": reason}, ("reason",))
    unit_id = step.case.unit_id or _last_unit(session, case_id)
    if unit_id is None:
        raise DomainError("error.circulate_no_unit")
    step.case.circular_due = False
    step.commit_to(step.next(), {"reason": _text(reason), "unit_id": unit_id})
    session.add(Circular(unit_id=unit_id, case_id=case_id, issued_at=now, issued_by_id=actor.id, reason=_text(reason)))
    session.flush()
    return step.case


def _last_unit(session: Session, case_id: int) -> int | None:
    return session.exec(select(HandlingReport.unit_id).where(HandlingReport.case_id == case_id)
                        .order_by(HandlingReport.round.desc()).limit(1)).first()


def sweep_overdue(session: Session, *, now: datetime) -> int:
    """Why: S2 §四.2 — overdue without reason goes to the supervision office. A case past its
    deadline (an approved extension has already moved it) enters the register automatically,
    with a system event. Returns how many cases were added."""
    ids = session.exec(select(Case.id, Case.version).where(
        is_overdue_clause(now), Case.on_supervision_register == False)).all()  # noqa: E712
    outcomes = act_many(session, A.supervise, cases=ids, actor=None, now=now, note="已超过办理时限，自动列入督办。")
    return sum(1 for _case_id, refusal in outcomes if refusal is None)


def act_many(session: Session, action: A | str, *, cases: list[tuple[int, int]], actor: CurrentUser | None,
             now: datetime, params_for: Callable[[Session, Case], dict] | None = None,
             **params) -> list[tuple[int, DomainError | None]]:
    """The same action on many cases (bulk drafting and dispatch, the overdue sweep): each case
    is its own step with its own event; a refused one (guard, permission, or someone acted on it
    meanwhile) is skipped and reported, and nothing of it stays in the session. `params_for`
    adds what differs per case (an instruction filled from a template with the case's unit)."""
    outcomes: list[tuple[int, DomainError | None]] = []
    for case_id, version in cases:
        try:
            target = session.get(Case, case_id) if params_for else None
            own = params_for(session, target) if target is not None else {}
            act(session, action, case_id=case_id, actor=actor, now=now, expected_version=version, **params, **own)
            outcomes.append((case_id, None))
        except DomainError as refusal:
            case = session.get(Case, case_id)
            if case is not None:
                session.expire(case)  # drop in-memory changes made before the refusal
            outcomes.append((case_id, refusal))
    return outcomes


ACTIONS = {
    A.draft: draft, A.order: order, A.answer_on_spot: answer_on_spot, A.accept: accept, A.decline: decline,
    A.transfer: transfer, A.report: report, A.approve: approve, A.return_for_redo: return_for_redo,
    A.feedback: feedback, A.rate: rate, A.follow_up: follow_up, A.close: close,
    A.explain_and_close: explain_and_close, A.request_extension: request_extension,
    A.approve_extension: approve_extension, A.merge: merge, A.reopen: reopen, A.supervise: supervise,
    A.circulate: circulate,
}


def act(session: Session, action: A | str, **kwargs) -> Case:
    """Dispatch by action code: what the UI and tests call when the action comes from the table."""
    return ACTIONS[A(action)](session, **kwargs)
