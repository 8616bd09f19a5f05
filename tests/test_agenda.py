"""接访议程: the agenda holds exactly the qualifying cases of the reception's place and of the
leader's portfolio; decisions are recorded on the day or after, only for agenda cases, by the
center or the receiving leader, into the case's record; the briefing escapes what was typed."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from core import agenda, auth, reception
from core.errors import DomainError
from core.models import (CaseAction, CaseEvent, CaseStatus as S, Leader, LeaderPortfolio, Rating, ReceptionKind,
                         ReceptionRule, ReceptionRuleLeader, Recurrence, Role, Unit, UnitKind)
from tests import factories

MONDAY = datetime(2026, 11, 23, 9, 0)
TUESDAY = datetime(2026, 11, 24, 16, 0)  # the reception is at 14:30 that day


@pytest.fixture
def county(engine):
    with Session(engine) as s:
        units = factories.county(s)
        town, root = units["town"], units["county"]
        other_town = Unit(name="丁镇", kind=UnitKind.township, parent_id=root.id)
        s.add(other_town)
        s.flush()
        water = factories.category(s, units["dept"])
        roads = factories.category(s, units["other"])
        leader = Leader(name="王副县长", title="副县长")
        s.add(leader)
        s.flush()
        s.add(LeaderPortfolio(leader_id=leader.id, category_id=roads.id))  # 分管 roads, county-wide
        rule = ReceptionRule(name="乡镇接访", kind=ReceptionKind.township_weekly, recurrence=Recurrence.weekly,
                             days="2", start_time=time(14, 30), unit_id=town.id, place="甲镇便民服务中心")
        s.add(rule)
        s.flush()
        s.add(ReceptionRuleLeader(rule_id=rule.id, leader_id=leader.id))
        people = {
            "clerk": factories.user(s, "clerk", {Role.clerk}, MONDAY),
            "wang": factories.user(s, "wang", {Role.leader}, MONDAY, leader_id=leader.id),
            "li": factories.user(s, "lisi", {Role.leader}, MONDAY, leader_title="副书记"),
            "unit": factories.user(s, "water", {Role.unit_handler}, MONDAY, unit_id=units["dept"].id),
        }
        people = {k: auth.load_current_user(s, u.username) for k, u in people.items()}
        (occ,) = reception.occurrences(s, start=TUESDAY.date(), end=TUESDAY.date())
        c = {}

        def case(name, **fields):
            base = dict(status=S.in_progress, received_at=MONDAY - timedelta(days=20), township_id=town.id,
                        category_id=water.id, unit_id=units["dept"].id, due_at=MONDAY + timedelta(days=5))
            c[name] = factories.case(s, **{**base, **fields})

        past = MONDAY - timedelta(days=2)
        case("overdue", due_at=past)
        case("returned_twice", return_count=2)
        case("returned_once", return_count=1)  # not enough
        case("dissatisfied", status=S.fed_back, rating=Rating.dissatisfied, rated_at=past)
        case("old_dissatisfied", status=S.closed, rating=Rating.dissatisfied, rated_at=past - timedelta(days=200),
             closed_at=past - timedelta(days=199))
        case("urgent", is_urgent=True)
        case("urgent_closed", is_urgent=True, status=S.closed, closed_at=past)
        case("ordinary")  # in the area, nothing wrong
        # re-reported: a case at the same village and category closed 30 days before this one came in
        case("first_time", status=S.closed, village_id=units["village"].id, closed_at=MONDAY - timedelta(days=40),
             received_at=MONDAY - timedelta(days=60))
        case("again", village_id=units["village"].id, received_at=MONDAY - timedelta(days=10))
        # outside the place: only the portfolio or ownership brings them in
        case("elsewhere_overdue", township_id=other_town.id, due_at=past)
        case("portfolio_overdue", township_id=other_town.id, category_id=roads.id, due_at=past)
        case("owned_urgent", township_id=other_town.id, is_major=True, owner_leader_id=leader.id)
        s.commit()
        yield s, people, c, occ


def ids(frame):
    return set(frame["id"])


def test_the_agenda_holds_exactly_the_qualifying_cases(county):
    s, people, c, occ = county
    frame = agenda.items(s, user=people["wang"], key=occ.key, now=MONDAY)
    expected = {"overdue", "returned_twice", "dissatisfied", "urgent", "again", "portfolio_overdue", "owned_urgent"}
    assert ids(frame) == {c[name].id for name in expected}
    row = frame.set_index("id").loc[c["again"].id]
    assert bool(row["rereported"]) and not row["overdue"]
    assert frame.iloc[0]["overdue"]  # overdue first


def test_the_leader_sees_the_coming_agenda_on_their_desk(county):
    s, people, c, occ = county
    (found,) = agenda.upcoming(s, user=people["wang"], today=MONDAY.date())
    assert found[0].key == occ.key and found[1] == 7
    assert agenda.upcoming(s, user=people["li"], today=MONDAY.date()) == []
    with pytest.raises(DomainError):
        agenda.items(s, user=people["unit"], key=occ.key, now=MONDAY)


def test_decisions_go_into_the_case_record(county):
    s, people, c, occ = county
    with pytest.raises(DomainError) as exc:
        agenda.record_outcome(s, actor=people["clerk"], key=occ.key, case_id=c["overdue"].id, outcome="当场答复",
                              now=MONDAY)
    assert exc.value.key == "error.agenda_not_yet"
    with pytest.raises(DomainError) as exc:
        agenda.record_outcome(s, actor=people["clerk"], key=occ.key, case_id=c["ordinary"].id, outcome="x",
                              now=TUESDAY)
    assert exc.value.key == "error.agenda_not_on"
    for who in ("unit", "li"):  # neither the center nor the receiving leader
        with pytest.raises(DomainError) as exc:
            agenda.record_outcome(s, actor=people[who], key=occ.key, case_id=c["overdue"].id, outcome="x",
                                  now=TUESDAY)
        assert exc.value.key == "error.permission"
    agenda.record_outcome(s, actor=people["wang"], key=occ.key, case_id=c["overdue"].id,
                          outcome="责成县水利局本周五前修复", now=TUESDAY)
    s.commit()
    event = s.exec(select(CaseEvent).where(CaseEvent.case_id == c["overdue"].id,
                                           CaseEvent.action == CaseAction.agenda_outcome)).one()
    assert event.details["outcome"] == "责成县水利局本周五前修复" and event.details["leader"] == "王副县长"
    assert event.from_status == event.to_status == S.in_progress  # a note, no step
    # closed the same evening: still on the agenda, with its decision
    c["overdue"].status, c["overdue"].closed_at = S.closed, TUESDAY
    s.add(c["overdue"])
    s.commit()
    frame = agenda.items(s, user=people["clerk"], key=occ.key, now=TUESDAY + timedelta(hours=5))
    assert frame.set_index("id").loc[c["overdue"].id, "outcome"] == "责成县水利局本周五前修复"
    assert agenda.outcomes(s, key=occ.key) == {c["overdue"].id: "责成县水利局本周五前修复"}


def test_the_briefing_escapes_what_was_typed(county):
    s, people, c, occ = county
    c["urgent"].title = "<script>alert(1)</script>"
    s.add(c["urgent"])
    s.commit()
    frame = agenda.items(s, user=people["clerk"], key=occ.key, now=MONDAY)
    page = agenda.briefing_html(s, occ, frame, county="测试县", now=MONDAY)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "@page{size:A4 landscape" in page and "王副县长" in page and "超期" in page
