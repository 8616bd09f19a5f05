"""A small county with one user per role, and cases prepared in any stage: the shared ground of
the workflow tests (rule table, services, stateful)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core import auth
from core.auth import CurrentUser
from core.models import (Case, CaseAction as A, CaseEvent, CaseStatus as S, Channel, Extension, FeedbackChannel,
                         HandlingReport, Leader, Priority, Rating, ReturnReason, Role, Tier, Truthfulness)
from tests import factories

NOW = datetime(2026, 11, 20, 10, 0)  # a Friday


@dataclass
class World:
    units: dict
    category_id: int
    users: dict[Role, CurrentUser]
    other_unit_handler: CurrentUser
    master_case_id: int


def build_world(session: Session) -> World:
    units = factories.county(session)
    category = factories.category(session, units["dept"])
    factories.user(session, "w_clerk", {Role.clerk}, NOW)
    factories.user(session, "w_leader", {Role.leader}, NOW)
    factories.user(session, "w_super", {Role.supervisor}, NOW)
    factories.user(session, "w_unit", {Role.unit_handler}, NOW, unit_id=units["dept"].id)
    factories.user(session, "w_unit2", {Role.unit_handler}, NOW, unit_id=units["other"].id)
    factories.user(session, "w_liaison", {Role.liaison}, NOW, station_id=units["village"].id)
    factories.user(session, "w_admin", {Role.admin}, NOW)
    names = {Role.clerk: "w_clerk", Role.leader: "w_leader", Role.supervisor: "w_super",
             Role.unit_handler: "w_unit", Role.liaison: "w_liaison", Role.admin: "w_admin"}
    users = {role: auth.load_current_user(session, name) for role, name in names.items()}
    # a 领导 account is tied to a leader record when it is created (core.auth)
    session.exec(select(Leader).where(Leader.user_id == users[Role.leader].id)).one().title = "县长"
    master = factories.case(session, status=S.received, received_at=NOW - timedelta(days=3), content="主件")
    session.flush()
    return World(units={name: unit.id for name, unit in units.items()}, category_id=category.id, users=users,
                 other_unit_handler=auth.load_current_user(session, "w_unit2"), master_case_id=master.id)


def case_ready_for(session: Session, world: World, status: S, action: A | None = None) -> Case:
    """A case in `status` whose fields let every guard of `action` pass."""
    case = factories.case(
        session, status=status, received_at=NOW - timedelta(days=2), channel=Channel.liaison_form,
        category_id=world.category_id, tier=Tier.unit, priority=Priority.easy, unit_id=world.units["dept"],
        liaison_id=world.users[Role.liaison].liaison_id, township_id=world.units["town"],
        village_id=world.units["village"], dispatched_at=NOW - timedelta(days=1), due_at=NOW + timedelta(days=2),
        result_summary="已维修完毕", follow_up_note="电话回访，群众满意", responsible_signoff="张科长",
    )
    session.add(HandlingReport(case_id=case.id, unit_id=case.unit_id, truthful=Truthfulness.true, cause="管道老化",
                               measures="更换管道", result="已维修完毕", liaison_opinion="同意",
                               responsible_person="张科长", submitted_at=NOW - timedelta(hours=5)))
    if action == A.approve_extension:
        session.add(Extension(case_id=case.id, requested_at=NOW - timedelta(hours=1), old_due_at=case.due_at,
                              requested_due_at=case.due_at + timedelta(days=5), reason="需现场核查"))
    session.add(CaseEvent(case_id=case.id, at=NOW - timedelta(days=2), actor_name="test", actor_role="clerk",
                          action=A.register, to_status=status))
    session.flush()
    return case


def valid_params(world: World, action: A, case: Case) -> dict:
    """Parameters with which `action` passes its guards on a case from case_ready_for."""
    return {
        A.draft: dict(category_id=world.category_id, tier=Tier.unit, priority=Priority.easy,
                      unit_id=world.units["dept"], handling_opinion="建议交县水利局办理"),
        A.order: dict(instruction="请三个工作日内办结"),
        A.answer_on_spot: dict(answer="现场答复", responsible_signoff="王主任", follow_up_note="群众当场表示理解",
                               leader_signoff="w_leader"),
        A.accept: {},
        A.decline: dict(reason="不属于本单位职责"),
        A.transfer: dict(unit_id=world.units["other"], reason="改由交通部门办理"),
        A.report: dict(truthful=Truthfulness.true, cause="管道老化", measures="更换管道", result="已恢复供水",
                       liaison_opinion="同意", responsible_person="张科长"),
        A.approve: dict(note="同意"),
        A.return_for_redo: dict(reason=ReturnReason.incomplete, note="缺少负责人签字"),
        A.feedback: dict(channel=FeedbackChannel.phone, text="已电话告知"),
        A.rate: dict(rating=Rating.satisfied),
        A.follow_up: dict(note="回访确认"),
        A.close: dict(leader_signoff="w_leader"),
        A.explain_and_close: dict(explanation="不符合政策，已解释"),
        A.request_extension: dict(requested_due_at=case.due_at + timedelta(days=3) if case.due_at else None,
                                  reason="需协调多个部门"),
        A.approve_extension: dict(approve=True),
        A.merge: dict(master_case_id=world.master_case_id),
        A.reopen: dict(reason="问题复发"),
        A.supervise: dict(note="请加快办理"),
        A.circulate: dict(reason="连续三次退回"),
    }[action]
