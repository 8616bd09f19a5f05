"""Hypothesis drives random sequences of actions by random users (valid, broken and stale) over
many cases, with the clock moving and the overdue sweep running, and checks after every step:
closed ⇒ the three no-closes hold; events == successful actions; replaying the events gives the
status; no case lost; due dates are working days."""
from __future__ import annotations

from datetime import datetime, timedelta

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import Session, func, select

from core import rollup, services, workflow
from core.deadlines import is_working_day
from core.errors import DomainError
from core.models import Case, CaseAction as A, CaseEvent, CaseStatus as S, Channel, Rating, ReturnReason
from tests.world import NOW, valid_params

LAST_DAY = datetime(2026, 12, 18)  # keep deadlines inside the years the official calendar knows
REACHED: set[S] = set()  # statuses reached across all examples: proves the walk goes deep
# The main road of a case; the walk takes it half the time so lives reach review, rating and close.
MAIN_ROAD = {S.received: [A.draft], S.drafted: [A.order], S.dispatched: [A.accept], S.in_progress: [A.report],
             S.returned: [A.report], S.reported: [A.approve, A.return_for_redo], S.approved: [A.feedback],
             S.fed_back: [A.rate, A.follow_up, A.close], S.closed: [A.reopen], S.explained: [A.reopen],
             S.merged: [A.reopen]}


def broken(params: dict) -> dict:
    """The same parameters with every text emptied: guards must refuse, nothing may be written."""
    return {k: ("" if isinstance(v, str) else v) for k, v in params.items()}


class CaseLife(RuleBasedStateMachine):
    engine = None
    world = None

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(self.engine)
        self.now = NOW
        self.expected_events: dict[int, int] = {}
        self.focus: int | None = None  # the case the walk keeps pushing forward, so lives go deep

    def teardown(self) -> None:
        self.session.close()

    @precondition(lambda self: len(self.expected_events) < 5)
    @rule(channel=st.sampled_from([Channel.hotline, Channel.reception, Channel.liaison_form]), major=st.booleans())
    def register(self, channel, major):
        major = major and channel == Channel.reception
        users = self.world.users
        case = services.register(self.session, actor=users["clerk"], now=self.now, channel=channel,
                                 content="群众反映的事项", is_major=major,
                                 liaison_id=users["liaison"].liaison_id, village_id=self.world.units["village"])
        self.session.commit()
        self.expected_events[case.id] = 1
        self.focus = case.id

    @precondition(lambda self: self.expected_events)
    @rule(data=st.data())
    def act(self, data):
        others = st.sampled_from(sorted(self.expected_events))
        case_id = data.draw(st.just(self.focus) if data.draw(st.integers(0, 4)) else others)
        case = self.session.get(Case, case_id, populate_existing=True)
        # bias towards actions the table allows now, so cases travel far
        table_actions = sorted(workflow.TABLE[S(case.status)])
        choice = data.draw(st.integers(0, 5))
        pool = MAIN_ROAD[S(case.status)] if choice < 3 else table_actions if choice < 5 else workflow.CASE_ACTIONS
        action = data.draw(st.sampled_from(pool))
        users = [*self.world.users.values(), self.world.other_unit_handler]
        fitting = [u for u in users if workflow.acting_role(u, case.status, action, case_unit_id=case.unit_id,
                                                             case_liaison_id=case.liaison_id)]
        user = data.draw(st.sampled_from(fitting) if fitting and data.draw(st.integers(0, 3)) else st.sampled_from(users))
        params = valid_params(self.world, action, case)
        if action == A.rate:
            params["rating"] = data.draw(st.sampled_from(list(Rating)))
        if action == A.return_for_redo:
            params["reason"] = data.draw(st.sampled_from(list(ReturnReason)))
        if data.draw(st.integers(0, 7)) == 0:
            params = broken(params)
        seen = case.version
        version = seen - 1 if data.draw(st.integers(0, 9)) == 0 else seen
        try:
            services.act(self.session, action, case_id=case_id, actor=user, now=self.now,
                         expected_version=version, **params)
        except DomainError:
            self.session.rollback()
            return
        assert version == seen, "a stale version must never succeed"
        self.session.commit()
        self.focus = case_id
        REACHED.add(S(case.status))
        self.expected_events[case_id] += 1

    @precondition(lambda self: self.now < LAST_DAY)
    @rule(hours=st.integers(1, 80))
    def clock_moves(self, hours):
        self.now += timedelta(hours=hours)

    @rule()
    def sweep(self):
        due = self.session.exec(select(Case.id).where(
            Case.id.in_(list(self.expected_events)), Case.status.in_(workflow.HANDLING), Case.due_at < self.now,
            Case.on_supervision_register == False)).all()  # noqa: E712
        services.sweep_overdue(self.session, now=self.now)
        self.session.commit()
        for case_id in due:
            self.expected_events[case_id] += 1

    @invariant()
    def every_case_is_consistent(self):
        ids = list(self.expected_events)
        if not ids:
            return
        s = self.session
        cases = {c.id: c for c in s.exec(select(Case).where(Case.id.in_(ids)).execution_options(
            populate_existing=True)).all()}
        assert set(cases) == set(ids), "a case was lost"
        events: dict[int, list[CaseEvent]] = {}
        for event in s.exec(select(CaseEvent).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.id)).all():
            events.setdefault(event.case_id, []).append(event)
        for case_id, case in cases.items():
            log = events[case_id]
            assert len(log) == self.expected_events[case_id] == case.version
            assert workflow.replay((e.action, e.from_status, e.to_status) for e in log) == case.status
            if case.status == S.closed:
                assert workflow.close_missing(opinion=case.result_summary, follow_up=case.follow_up_note,
                                              responsible_signoff=case.responsible_signoff,
                                              leader_signoff=case.leader_signoff) == []
            if case.due_at is not None:
                assert is_working_day(case.due_at.date())
        assert s.exec(select(func.count()).select_from(Case).where(Case.id.in_(ids))).one() == len(ids)

    @invariant()
    def the_dashboard_aggregates_equal_a_recomputation(self):
        connection = self.session.connection()
        assert rollup.kept_rows(connection) == rollup.recomputed_rows(connection)


def test_random_lives_keep_the_invariants(world_db):
    engine, world = world_db
    CaseLife.engine = engine
    CaseLife.world = type("W", (), {})()
    CaseLife.world.users = {str(role): user for role, user in world.users.items()}
    CaseLife.world.units = world.units
    CaseLife.world.category_id = world.category_id
    CaseLife.world.master_case_id = world.master_case_id
    CaseLife.world.other_unit_handler = world.other_unit_handler
    runner = CaseLife.TestCase
    runner.settings = settings(max_examples=100, stateful_step_count=60, deadline=None, derandomize=True,
                               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    runner().runTest()
    assert {S.drafted, S.dispatched, S.in_progress, S.reported, S.returned, S.approved, S.fed_back, S.closed,
            S.explained, S.merged} <= REACHED, REACHED
