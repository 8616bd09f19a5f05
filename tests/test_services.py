"""Behaviour of each service beyond the rule table: deadlines, returns and circulars, ratings,
三不结案, extensions, merge, decline, transfer, automatic supervision, optimistic locking."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from core import services
from core.db import make_engine
from core.errors import DomainError
from core.models import (Case, CaseEvent, CaseStatus as S, Channel, Circular, Extension, ExtensionStatus,
                         FeedbackChannel, HandlingReport, Priority, Rating, ReturnReason, Role, Tier, Truthfulness)
from tests.world import NOW, build_world, case_ready_for

REPORT = dict(truthful=Truthfulness.true, cause="管道老化", measures="更换管道", result="已恢复供水",
              liaison_opinion="同意", responsible_person="张科长")


def walk(s, world, case, *steps):
    """Apply (action, actor role, params) steps, passing the version along; returns the case."""
    for action, role, params in steps:
        case = services.act(s, action, case_id=case.id, actor=world.users[role], now=params.pop("now", NOW),
                            expected_version=case.version, **params)
    return case


def registered(s, world, **fields) -> Case:
    return services.register(s, actor=world.users[Role.clerk], now=NOW, channel=fields.pop("channel", Channel.hotline),
                             content=fields.pop("content", "村里自来水停了三天"), township_id=world.units["town"],
                             village_id=world.units["village"], reporter_name="李四", reporter_phone="17000001111",
                             liaison_id=world.users[Role.liaison].liaison_id, **fields)


def drafted_and_ordered(s, world, **fields) -> Case:
    case = registered(s, world, **fields)
    return walk(s, world, case,
                ("draft", Role.clerk, dict(category_id=world.category_id, tier=Tier.unit, priority=Priority.easy,
                                           unit_id=world.units["dept"])),
                ("order", Role.leader, dict(instruction="请按时办结")))


def test_register_gives_a_tracking_code_and_one_event(world_session):
    s, world = world_session
    case = registered(s, world)
    assert case.tracking_code == f"MQ-2026-{case.id:06d}"
    assert case.status == S.received and case.version == 1
    events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert [(e.action, e.from_status, e.to_status, e.actor_role) for e in events] == \
        [("register", None, "received", "clerk")]


def test_liaison_registers_only_through_the_liaison_form(world_session):
    s, world = world_session
    liaison = world.users[Role.liaison]
    case = services.register(s, actor=liaison, now=NOW, channel=Channel.liaison_form, content="路灯坏了",
                             liaison_id=liaison.liaison_id + 1000)
    assert s.exec(select(CaseEvent.actor_role).where(CaseEvent.case_id == case.id)).one() == "liaison"
    assert case.liaison_id == liaison.liaison_id  # filed in their own name whatever was passed
    with pytest.raises(DomainError):
        services.register(s, actor=liaison, now=NOW, channel=Channel.hotline, content="x")
    with pytest.raises(DomainError) as err:
        services.register(s, actor=world.users[Role.clerk], now=NOW, channel=Channel.hotline, content="  ")
    assert err.value.values["fields"] == ["content"]


def test_order_sets_a_working_day_deadline_and_major_cases_need_a_leader(world_session):
    s, world = world_session
    case = drafted_and_ordered(s, world)
    assert case.status == S.dispatched
    assert case.due_at == datetime(2026, 11, 25, 23, 59, 59)  # Friday + 3 working days → Wednesday
    major = registered(s, world, is_major=True)
    major = walk(s, world, major, ("draft", Role.clerk, dict(category_id=world.category_id, tier=Tier.unit,
                                                             priority=Priority.hard, unit_id=world.units["dept"])))
    with pytest.raises(DomainError) as err:
        services.order(s, case_id=major.id, actor=world.users[Role.clerk], now=NOW, expected_version=major.version)
    assert err.value.key == "error.major_needs_leader"
    major = services.order(s, case_id=major.id, actor=world.users[Role.leader], now=NOW,
                           expected_version=major.version)
    assert major.on_supervision_register


def test_reception_cases_get_one_week_or_two(world_session):
    s, world = world_session
    general = drafted_and_ordered(s, world, channel=Channel.reception)
    assert general.due_at == datetime(2026, 11, 27, 23, 59, 59)
    major = registered(s, world, channel=Channel.reception, is_major=True)
    major = walk(s, world, major,
                 ("draft", Role.clerk, dict(category_id=world.category_id, tier=Tier.unit, priority=Priority.hard,
                                            unit_id=world.units["dept"])),
                 ("order", Role.leader, {}))
    assert major.due_at == datetime(2026, 12, 4, 23, 59, 59)


def test_three_returns_in_a_row_flag_a_circular_and_approval_resets_the_streak(world_session):
    s, world = world_session
    case = walk(s, world, drafted_and_ordered(s, world), ("accept", Role.unit_handler, {}))
    for n in range(1, 4):
        case = walk(s, world, case, ("report", Role.unit_handler, dict(REPORT)),
                    ("return_for_redo", Role.supervisor, dict(reason=ReturnReason.evasive)))
        assert case.consecutive_returns == n
        assert case.circular_due == (n == 3)
    last = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())).first()
    assert last.details["circular_due"] is True
    reports = s.exec(select(HandlingReport).where(HandlingReport.case_id == case.id)
                     .order_by(HandlingReport.round)).all()
    assert [(r.round, r.approved, r.return_reason) for r in reports] == [(i, False, "evasive") for i in (1, 2, 3)]
    case = walk(s, world, case, ("report", Role.unit_handler, dict(REPORT)), ("approve", Role.supervisor, {}))
    assert case.consecutive_returns == 0 and case.return_count == 3
    case = walk(s, world, case, ("circulate", Role.supervisor, dict(reason="同一事项连续三次退回")))
    assert not case.circular_due
    assert s.exec(select(Circular.unit_id).where(Circular.case_id == case.id)).one() == world.units["dept"]


def test_full_life_with_dissatisfied_rating_and_second_handling(world_session):
    s, world = world_session
    case = walk(s, world, drafted_and_ordered(s, world),
                ("accept", Role.unit_handler, {}),
                ("report", Role.unit_handler, dict(REPORT)),
                ("approve", Role.supervisor, {}),
                ("feedback", Role.clerk, dict(channel=FeedbackChannel.via_liaison, text="已告知")),
                ("follow_up", Role.clerk, dict(note="第一次回访")),
                ("rate", Role.liaison, dict(rating=Rating.dissatisfied)))
    assert case.status == S.returned and case.first_rating == Rating.dissatisfied
    assert case.follow_up_note is None  # the next close needs a new follow-up
    case = walk(s, world, case,
                ("report", Role.unit_handler, dict(REPORT, result="已彻底更换主管道")),
                ("approve", Role.supervisor, {}),
                ("feedback", Role.clerk, dict(channel=FeedbackChannel.phone, text="已告知")),
                ("rate", Role.liaison, dict(rating=Rating.satisfied)))
    with pytest.raises(DomainError) as err:
        services.close(s, case_id=case.id, actor=world.users[Role.leader], now=NOW, expected_version=case.version)
    assert err.value.key == "error.close_missing" and err.value.values["fields"] == ["follow_up"]
    assert "回访单" in err.value.message("zh")
    case = walk(s, world, case, ("follow_up", Role.supervisor, dict(note="回访满意")),
                ("close", Role.leader, {}))
    assert case.status == S.closed
    assert (case.first_rating, case.rating) == (Rating.dissatisfied, Rating.satisfied)
    assert case.leader_signoff == world.users[Role.leader].display_name
    assert case.result_summary == "已彻底更换主管道" and case.responsible_signoff == "张科长"
    ratings = [e.details["rating"] for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                                           CaseEvent.action == "rate")).all()]
    assert ratings == ["dissatisfied", "satisfied"]


def test_clerk_close_needs_the_leaders_signoff(world_session):
    s, world = world_session
    case = case_ready_for(s, world, S.fed_back)
    with pytest.raises(DomainError) as err:
        services.close(s, case_id=case.id, actor=world.users[Role.clerk], now=NOW, expected_version=1)
    assert err.value.values["fields"] == ["leader_signoff"]
    closed = services.close(s, case_id=case.id, actor=world.users[Role.clerk], now=NOW, expected_version=1,
                            leader_signoff="县长 顾青")
    assert closed.leader_signoff == "县长 顾青"


def test_extension_must_be_requested_and_approved_before_the_deadline(world_session):
    s, world = world_session
    case = walk(s, world, drafted_and_ordered(s, world), ("accept", Role.unit_handler, {}))
    due = case.due_at
    with pytest.raises(DomainError) as err:
        services.request_extension(s, case_id=case.id, actor=world.users[Role.unit_handler], now=NOW,
                                   expected_version=case.version, requested_due_at=due - timedelta(days=1),
                                   reason="x")
    assert err.value.key == "error.extension_not_later"
    case = services.request_extension(s, case_id=case.id, actor=world.users[Role.unit_handler], now=NOW,
                                      expected_version=case.version, requested_due_at=due + timedelta(days=5),
                                      reason="需协调多个部门")
    with pytest.raises(DomainError) as err:
        services.approve_extension(s, case_id=case.id, actor=world.users[Role.supervisor],
                                   now=due + timedelta(minutes=1), expected_version=case.version)
    assert err.value.key == "error.extension_too_late"
    case = services.approve_extension(s, case_id=case.id, actor=world.users[Role.supervisor], now=NOW,
                                      expected_version=case.version)
    assert case.due_at == due + timedelta(days=5)
    assert s.exec(select(Extension.status).where(Extension.case_id == case.id)).one() == ExtensionStatus.approved
    with pytest.raises(DomainError) as err:
        services.request_extension(s, case_id=case.id, actor=world.users[Role.unit_handler],
                                   now=case.due_at + timedelta(hours=1), expected_version=case.version,
                                   requested_due_at=case.due_at + timedelta(days=9), reason="再延")
    assert err.value.key == "error.extension_too_late"


def test_decline_counts_a_misroute_and_returns_to_the_center(world_session):
    s, world = world_session
    case = walk(s, world, drafted_and_ordered(s, world), ("decline", Role.unit_handler, dict(reason="不归我局管")))
    assert case.status == S.drafted and case.misroute_count == 1 and case.unit_id is None and case.due_at is None


def test_transfer_recomputes_the_deadline_and_refuses_the_same_unit(world_session):
    s, world = world_session
    case = drafted_and_ordered(s, world)
    with pytest.raises(DomainError) as err:
        services.transfer(s, case_id=case.id, actor=world.users[Role.clerk], now=NOW, expected_version=case.version,
                          unit_id=world.units["dept"], reason="x")
    assert err.value.key == "error.transfer_same_unit"
    later = NOW + timedelta(days=1)  # Saturday
    case = services.transfer(s, case_id=case.id, actor=world.users[Role.clerk], now=later,
                             expected_version=case.version, unit_id=world.units["other"], reason="改由交通局办理")
    assert case.unit_id == world.units["other"] and case.due_at == datetime(2026, 11, 25, 23, 59, 59)


def test_merge_rules(world_session):
    s, world = world_session
    first, second = registered(s, world), registered(s, world)
    with pytest.raises(DomainError):
        services.merge(s, case_id=first.id, actor=world.users[Role.clerk], now=NOW, expected_version=1,
                       master_case_id=first.id)
    merged = services.merge(s, case_id=second.id, actor=world.users[Role.clerk], now=NOW, expected_version=1,
                            master_case_id=first.id)
    assert merged.status == S.merged and merged.master_case_id == first.id
    third = registered(s, world)
    with pytest.raises(DomainError):  # a merged case cannot be a master
        services.merge(s, case_id=third.id, actor=world.users[Role.clerk], now=NOW, expected_version=1,
                       master_case_id=second.id)


def test_answer_on_spot_needs_the_evidence_of_a_close(world_session):
    s, world = world_session
    case = registered(s, world, channel=Channel.reception)
    with pytest.raises(DomainError) as err:
        services.answer_on_spot(s, case_id=case.id, actor=world.users[Role.leader], now=NOW, expected_version=1,
                                answer="已答复", responsible_signoff="", follow_up_note="")
    assert err.value.values["fields"] == ["follow_up", "responsible_signoff"]
    done = services.answer_on_spot(s, case_id=case.id, actor=world.users[Role.leader], now=NOW, expected_version=1,
                                   answer="已答复", responsible_signoff="王主任", follow_up_note="当场满意")
    assert done.status == S.closed and done.leader_signoff == world.users[Role.leader].display_name


def test_sweep_puts_overdue_cases_on_the_register_once(world_session):
    s, world = world_session
    case = drafted_and_ordered(s, world)
    assert services.sweep_overdue(s, now=case.due_at - timedelta(hours=1)) == 0
    assert services.sweep_overdue(s, now=case.due_at + timedelta(hours=1)) == 1
    assert services.sweep_overdue(s, now=case.due_at + timedelta(hours=2)) == 0
    s.refresh(case)
    assert case.on_supervision_register
    event = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())).first()
    assert (event.action, event.actor_role, event.actor_id, event.details["automatic"]) == \
        ("supervise", "system", None, True)


def test_stale_version_is_refused_with_who_and_when(world_session):
    s, world = world_session
    case = drafted_and_ordered(s, world)
    stale = case.version
    services.accept(s, case_id=case.id, actor=world.users[Role.unit_handler], now=NOW + timedelta(minutes=5),
                    expected_version=stale)
    with pytest.raises(services.ConflictError) as err:
        services.decline(s, case_id=case.id, actor=world.users[Role.unit_handler], now=NOW, expected_version=stale,
                         reason="x")
    who = world.users[Role.unit_handler].display_name
    assert err.value.message("zh") == f"此事项已被 {who} 于 2026-11-20 10:05 更新，请刷新。"
    assert "please refresh" in err.value.message("en")


def test_two_people_at_once_exactly_one_wins(engine):
    """Two sessions load the same version and both act: one commits, the other is refused and
    nothing of it is written."""
    with Session(engine) as s:
        world = build_world(s)
        case = drafted_and_ordered(s, world)
        s.commit()
        case_id, version = case.id, case.version
    first, second = Session(engine), Session(engine)
    try:
        services.accept(first, case_id=case_id, actor=world.users[Role.unit_handler], now=NOW, expected_version=version)
        second_case = second.get(Case, case_id)
        assert second_case.version == version  # the second person still sees the old version
        first.commit()
        with pytest.raises(services.ConflictError):
            services.decline(second, case_id=case_id, actor=world.users[Role.unit_handler], now=NOW,
                             expected_version=version, reason="不归我管")
        second.rollback()
    finally:
        first.close()
        second.close()
    with Session(engine) as s:
        case = s.get(Case, case_id)
        assert case.status == S.in_progress and case.version == version + 1
        assert s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one() == version + 1


def test_concurrent_claims_in_threads(empty_url):
    """Both sessions pass the version check before either claims the row: the database lets
    exactly one claim succeed."""
    import threading
    engine = make_engine(empty_url)
    from core.db import migrate
    migrate(engine)
    with Session(engine) as s:
        world = build_world(s)
        case = drafted_and_ordered(s, world)
        s.commit()
        case_id, version = case.id, case.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(action, **params):
        with Session(engine) as s:
            step = services._Step(s, case_id=case_id, actor=world.users[Role.unit_handler], action=action, now=NOW,
                                  expected_version=version)
            barrier.wait()
            try:
                step.commit_to(step.next(), params)
                s.commit()
                outcomes.append("won")
            except services.ConflictError:
                s.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=("accept",)), threading.Thread(target=act, args=("decline",))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "won"]
    with Session(engine) as s:
        assert s.get(Case, case_id).version == version + 1
        assert s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one() == version + 1
    engine.dispose()


def test_sweep_skips_a_case_changed_under_it_and_writes_nothing_for_it(world_session, engine):
    """Another session acts between the sweep's read and its claim: the sweep skips the case and
    leaves neither the register flag nor an event behind."""
    s, world = world_session
    case = drafted_and_ordered(s, world)
    s.commit()
    late = case.due_at + timedelta(hours=1)
    original = services.supervise

    def racing_supervise(session, **kwargs):
        with Session(engine) as other:
            services.accept(other, case_id=kwargs["case_id"], actor=world.users[Role.unit_handler], now=late,
                            expected_version=kwargs["expected_version"])
            other.commit()
        return original(session, **kwargs)

    services.ACTIONS["supervise"] = racing_supervise
    try:
        assert services.sweep_overdue(s, now=late) == 0
        s.commit()
    finally:
        services.ACTIONS["supervise"] = original
    with Session(engine) as fresh:
        row = fresh.get(Case, case.id)
        assert row.status == S.in_progress and not row.on_supervision_register
        actions = fresh.exec(select(CaseEvent.action).where(CaseEvent.case_id == case.id)).all()
        assert "supervise" not in actions


def test_act_many_reports_refusals_and_leaves_nothing_of_them(world_session, engine):
    s, world = world_session
    cases = [registered(s, world) for _ in range(3)]
    s.commit()
    refs = [(c.id, c.version) for c in cases]
    refs[1] = (refs[1][0], 99)  # someone changed this one since the clerk's list was drawn
    outcomes = services.act_many(s, "draft", cases=refs, actor=world.users[Role.clerk], now=NOW,
                                 category_id=world.category_id, tier=Tier.unit, priority=Priority.easy,
                                 unit_id=world.units["dept"])
    s.commit()
    assert [refusal is None for _id, refusal in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], services.ConflictError)
    with Session(engine) as fresh:
        statuses = [fresh.get(Case, c.id).status for c in cases]
        assert statuses == [S.drafted, S.received, S.drafted]
        assert fresh.get(Case, cases[1].id).category_id is None
        assert fresh.exec(select(func.count()).select_from(CaseEvent)
                          .where(CaseEvent.case_id == cases[1].id)).one() == 1


def test_a_refused_report_leaves_no_report_row(world_session, engine):
    s, world = world_session
    case = walk(s, world, drafted_and_ordered(s, world), ("accept", Role.unit_handler, {}))
    s.commit()
    outcomes = services.act_many(s, "report", cases=[(case.id, case.version - 1)], actor=world.users[Role.unit_handler],
                                 now=NOW, **REPORT)
    s.commit()
    assert isinstance(outcomes[0][1], services.ConflictError)
    with Session(engine) as fresh:
        assert fresh.exec(select(func.count()).select_from(HandlingReport)
                          .where(HandlingReport.case_id == case.id)).one() == 0
