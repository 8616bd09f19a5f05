"""Every (status, action, role) cell of the rule table, through the services, on a real database;
the pure rules (next status, scope, guards, replay)."""
from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from core import services, workflow
from core.errors import DomainError
from core.models import CaseAction as A, CaseEvent, CaseStatus as S, Rating, Role
from tests.world import NOW, case_ready_for, valid_params


def event_count(session, case_id) -> int:
    return session.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one()


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", workflow.CASE_ACTIONS)
def test_every_cell_of_the_table(world_db, status, action):
    engine, world = world_db
    rule = workflow.rule_for(status, action)
    for role, user in world.users.items():
        with Session(engine) as s:
            case = case_ready_for(s, world, status, action)
            before = event_count(s, case.id)
            params = valid_params(world, action, case)
            allowed = rule is not None and role in rule.roles
            if allowed:
                done = services.act(s, action, case_id=case.id, actor=user, now=NOW, expected_version=1, **params)
                expected = workflow.next_status(status, action, rating=params.get("rating"))
                assert done.status == expected, (role, action, status)
                assert done.version == 2
                assert event_count(s, case.id) == before + 1
                event = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).first()
                assert (event.action, event.from_status, event.to_status, event.actor_role) == \
                    (action, status, expected, role)
            else:
                with pytest.raises(DomainError) as refused:
                    services.act(s, action, case_id=case.id, actor=user, now=NOW, expected_version=1, **params)
                assert refused.value.key == ("error.permission" if rule else "error.action_not_allowed")
                assert event_count(s, case.id) == before
                assert s.get(type(case), case.id).version == 1
            s.rollback()


def test_admin_takes_no_case_action_and_every_other_role_some():
    for role in Role:
        cells = [(st, a) for st in S for a, rule in workflow.TABLE[st].items() if role in rule.roles]
        assert (cells == []) == (role == Role.admin), role


def test_every_status_is_in_the_table_and_every_target_is_a_status():
    assert set(workflow.TABLE) == set(S)
    for actions in workflow.TABLE.values():
        for action, rule in actions.items():
            assert action in workflow.CASE_ACTIONS
            assert rule.to is None or rule.to in S


def test_dissatisfied_rating_sends_back_for_second_handling():
    assert workflow.next_status(S.fed_back, A.rate, rating=Rating.dissatisfied) == S.returned
    assert workflow.next_status(S.fed_back, A.rate, rating=Rating.basically_satisfied) == S.fed_back


def test_scope_unit_and_liaison(world_db):
    engine, world = world_db
    with Session(engine) as s:
        case = case_ready_for(s, world, S.dispatched)
        with pytest.raises(DomainError) as err:
            services.accept(s, case_id=case.id, actor=world.other_unit_handler, now=NOW, expected_version=1)
        assert err.value.key == "error.permission"
        assert workflow.allowed_actions(world.other_unit_handler, S.dispatched, case_unit_id=case.unit_id,
                                        case_liaison_id=case.liaison_id) == []
        assert workflow.allowed_actions(world.users[Role.unit_handler], S.dispatched, case_unit_id=case.unit_id,
                                        case_liaison_id=case.liaison_id) == \
            [A.accept, A.decline, A.request_extension]
        stranger_case = case_ready_for(s, world, S.fed_back)
        stranger_case.liaison_id = None
        s.flush()
        with pytest.raises(DomainError):
            services.rate(s, case_id=stranger_case.id, actor=world.users[Role.liaison], now=NOW, expected_version=1,
                          rating=Rating.satisfied)
        s.rollback()


def test_close_missing_names_every_missing_item():
    missing = workflow.close_missing(opinion="已办结", follow_up=" ", responsible_signoff=None, leader_signoff="李")
    assert missing == ["follow_up", "responsible_signoff"]
    err = DomainError("error.close_missing", fields=missing)
    assert err.message("zh") == "不能结案（三不结案），缺少：回访单、责任人签字。"
    assert err.message("en") == "Cannot close (three no-closes); missing: a follow-up sheet, the responsible person's sign-off."


@pytest.mark.parametrize("values,missing", [
    ({"truthful": "true", "cause": "x", "measures": "x", "result": "x", "liaison_opinion": "x",
      "responsible_person": "x"}, None),
    ({"truthful": None, "cause": "", "measures": "x", "result": "x", "liaison_opinion": "x",
      "responsible_person": " "}, ["truthful", "cause", "responsible_person"]),
])
def test_report_guard(values, missing):
    if missing is None:
        workflow.check_report(values)
        return
    with pytest.raises(DomainError) as err:
        workflow.check_report(values)
    assert err.value.values["fields"] == missing


def test_draft_needs_unit_except_on_spot():
    with pytest.raises(DomainError) as err:
        workflow.check_draft({"category_id": 1, "tier": "unit", "priority": "easy", "unit_id": None})
    assert err.value.values["fields"] == ["unit_id"]
    workflow.check_draft({"category_id": 1, "tier": "on_spot", "priority": "easy", "unit_id": None})


def test_replay_follows_the_table():
    events = [("register", None, "received"), ("draft", "received", "drafted"), ("order", "drafted", "dispatched"),
              ("accept", "dispatched", "in_progress"), ("report", "in_progress", "reported"),
              ("approve", "reported", "approved"), ("feedback", "approved", "fed_back"),
              ("rate", "fed_back", "returned"), ("report", "returned", "reported")]
    assert workflow.replay(events) == S.reported
    with pytest.raises(ValueError):
        workflow.replay([("register", None, "received"), ("accept", "received", "in_progress")])
