from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, func, select

from core import demo
from core.db import make_engine, migrate
from core.deadlines import is_working_day
from core.models import Case, CaseEvent, CaseStatus as S, Category, Channel, Leader, Liaison, Unit, UnitKind, User
from tests.conftest import DEMO_CASES, DEMO_NOW, new_database_url


def test_county_shape(demo_engine):
    with Session(demo_engine) as s:
        kinds = Counter(s.exec(select(Unit.kind)).all())
        assert kinds[UnitKind.county] == 1
        assert kinds[UnitKind.township] + kinds[UnitKind.community] == 8
        assert 55 <= kinds[UnitKind.village] <= 65
        assert kinds[UnitKind.department] == 25
        assert 130 <= s.exec(select(func.count()).select_from(Liaison)).one() <= 180
        assert s.exec(select(func.count()).select_from(Leader)).one() == 20
        names = set(s.exec(select(Category.name_zh)).all())
        assert {"低保", "看病就医", "上学读书", "住房", "饮水", "道路交通", "土地", "宅基地", "环境卫生", "治安",
                "劳动保障", "干部作风"} == names
        assert s.exec(select(func.count()).select_from(Case)).one() == DEMO_CASES


def test_cases_spread_over_all_stages_and_special_kinds(demo_engine):
    with Session(demo_engine) as s:
        statuses = set(s.exec(select(Case.status)).all())
        assert {S.received, S.drafted, S.dispatched, S.in_progress, S.closed, S.explained, S.merged} <= statuses
        assert s.exec(select(func.count()).select_from(Case).where(Case.return_count > 0)).one() > 0
        assert s.exec(select(func.count()).select_from(Case).where(Case.first_rating == "dissatisfied")).one() > 0
        assert s.exec(select(func.count()).select_from(Case).where(Case.channel == Channel.reception)).one() > 0
        overdue = s.exec(select(func.count()).select_from(Case).where(
            Case.due_at < DEMO_NOW, Case.status.in_([S.dispatched, S.in_progress, S.returned]))).one()
        assert overdue > 0
        merged = s.exec(select(Case).where(Case.status == S.merged)).all()
        assert all(c.master_case_id is not None for c in merged)


def test_events_are_consistent_with_cases(demo_engine):
    """Each case's last event leads to its status; version counts its events; events are ordered."""
    with Session(demo_engine) as s:
        cases = {c.id: c for c in s.exec(select(Case)).all()}
        events = s.exec(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.id)).all()
    by_case: dict[int, list[CaseEvent]] = {}
    for e in events:
        by_case.setdefault(e.case_id, []).append(e)
    assert set(by_case) == set(cases)
    for case_id, case_events in by_case.items():
        case = cases[case_id]
        assert case_events[0].action == "register" and case_events[0].from_status is None
        assert case_events[-1].to_status == case.status
        assert case.version == len(case_events)
        for before, after in zip(case_events, case_events[1:]):
            assert after.from_status == before.to_status
            assert after.at >= before.at
        assert case_events[-1].at <= DEMO_NOW
        if case.status == S.closed:
            assert case.closed_at is not None
        if case.due_at is not None:
            assert is_working_day(case.due_at.date())


def test_tracking_codes_unique_and_well_formed(demo_engine):
    with Session(demo_engine) as s:
        codes = s.exec(select(Case.tracking_code)).all()
    assert len(codes) == len(set(codes))
    assert all(c.startswith("MQ-2026-") or c.startswith("MQ-2025-") for c in codes)


def test_same_seed_same_county(tmp_path):
    def snapshot(seed):
        engine = make_engine(new_database_url(tmp_path))
        migrate(engine)
        demo.load_demo(engine, cases=60, seed=seed, today=date(2026, 11, 21))
        with Session(engine) as s:
            rows = s.exec(select(Case.tracking_code, Case.content, Case.status, Case.received_at)
                          .order_by(Case.id)).all()
            leaders = s.exec(select(Leader.name).order_by(Leader.id)).all()
        engine.dispose()
        return rows, leaders

    first = snapshot(7)
    assert first == snapshot(7)
    assert first != snapshot(8)


def test_demo_refuses_a_database_with_data(demo_engine):
    import pytest
    with pytest.raises(ValueError, match="already holds data"):
        demo.load_demo(demo_engine, cases=1, today=date(2026, 11, 21))


def test_demo_accounts_cover_every_role(demo_engine):
    from core.auth import roles_of
    with Session(demo_engine) as s:
        rows = demo.demo_account_rows(s)
        roles = {r for row in rows for r in row["roles"]}
        assert roles == {"liaison", "clerk", "leader", "unit_handler", "supervisor", "admin"}
        liaison = s.exec(select(User).where(User.username == "liaison")).one()
        assert s.exec(select(Liaison).where(Liaison.user_id == liaison.id)).one().station_id is not None
        assert roles_of(s, liaison.id) == {"liaison"}
        # the liaison account owns some demo cases, so their pages are not empty
        assert s.exec(select(func.count()).select_from(Case).join(Liaison, Liaison.id == Case.liaison_id)
                      .where(Liaison.user_id == liaison.id)).one() > 0
        unit_user = s.exec(select(User).where(User.username == "unit_health")).one()
        assert s.exec(sa.select(Unit.name).where(Unit.id == unit_user.unit_id)).scalar() == "县卫生健康局"


def test_demo_event_logs_replay_through_the_workflow_table(demo_engine):
    """The demo county is generated outside the services for speed; every case's log must still
    be a path the rule table allows, ending in the case's status."""
    from core import workflow
    with Session(demo_engine) as s:
        status = dict(s.exec(select(Case.id, Case.status)).all())
        logs: dict[int, list] = {}
        for case_id, action, from_status, to_status in s.exec(
                select(CaseEvent.case_id, CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status)
                .order_by(CaseEvent.case_id, CaseEvent.id)).all():
            logs.setdefault(case_id, []).append((action, from_status, to_status))
    assert set(logs) == set(status)
    for case_id, log in logs.items():
        assert workflow.replay(log) == status[case_id], case_id
    with Session(demo_engine) as s:
        for event in s.exec(select(CaseEvent).where(CaseEvent.action == "rate")).all():
            assert (event.details["rating"] == "dissatisfied") == (event.to_status == S.returned), event.case_id


def test_closed_demo_cases_pass_the_three_no_closes(demo_engine):
    from core import workflow
    with Session(demo_engine) as s:
        closed = s.exec(select(Case).where(Case.status == S.closed)).all()
    assert closed
    for case in closed:
        assert workflow.close_missing(opinion=case.result_summary, follow_up=case.follow_up_note,
                                      responsible_signoff=case.responsible_signoff,
                                      leader_signoff=case.leader_signoff) == [], case.tracking_code


def test_the_demo_has_last_months_call_back_checks_with_one_unit_flagged(demo_engine):
    """So that a new county sees on its dashboard what the checks are for."""
    from core import auth, callback
    from core.models import CallbackCheck
    with Session(demo_engine) as s:
        (made,) = callback.draws(s)
        assert made.month == date(2026, 10, 1) and callback.verify(s, made)["same_sample"]
        checks = s.exec(select(CallbackCheck).where(CallbackCheck.draw_id == made.id)).all()
        assert checks and any(c.reached for c in checks) and any(c.reached is None for c in checks)
        table = callback.comparison(s, user=auth.load_current_user(s, "leader"), start=made.month, end=made.month)
        # the residents of one unit — the one with the most checks — say otherwise every other time
        per_unit = {}
        for c in checks:
            per_unit[c.unit_id] = per_unit.get(c.unit_id, 0) + 1
        inflated = max((u for u in per_unit if u is not None), key=lambda u: (per_unit[u], u))
        apart = table[table["gap_points"] > 0]
        assert list(apart["id"]) == [inflated]
