"""民事民议 (issue #12 item 5): the panel drawn for a dispute is reproducible from its seed, leaves out
the parties and the conflicted, and its hearing and vote go into the case's record."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st
from sqlmodel import select

from core import panel
from core.errors import DomainError, FormErrors
from core.models import CaseAction, CaseEvent, CaseStatus as S, PanelSeat, PanelVote, RepresentativeKind as K, Role
from tests import factories
from tests.pagetest import button, demo_database, open_page

NOW = datetime(2026, 11, 21, 9, 0)


def pool_of(session, world, n: int, township: bool = True) -> list[int]:
    clerk = world.users[Role.clerk]
    return [panel.save_representative(session, actor=clerk, name=f"代表{i:02d}", kind=K.resident,
                                      phone=f"139000001{i:02d}", township_id=world.units["town"] if township else None).id
            for i in range(n)]


def dispute(session, **fields):
    return factories.case(session, status=S.in_progress, received_at=NOW - timedelta(days=3),
                          content="邻里宅基地边界纠纷，双方争执不下。", **fields)


@given(seed=st.integers(0, 2**31 - 1), case_id=st.integers(1, 10**6), size=st.integers(3, 9),
       pool_size=st.integers(9, 40), left_out=st.sets(st.integers(0, 39), max_size=10))
@settings(max_examples=200, deadline=None)
def test_a_seed_gives_the_same_panel_and_never_one_left_out(seed, case_id, size, pool_size, left_out):
    pool_ids = random.Random(seed).sample(range(1, 10_000), pool_size)
    excluded = {str(pool_ids[i]): "conflict: 亲属" for i in left_out if i < pool_size}
    if pool_size - len(excluded) < size:
        return
    seats = panel.seats_for(seed, case_id, pool_ids, excluded, size)
    assert seats == panel.seats_for(seed, case_id, list(reversed(pool_ids)), dict(excluded), size)  # order-free
    assert len(set(seats)) == size and set(seats) <= set(pool_ids)
    assert not {str(i) for i in seats} & set(excluded)


def test_the_draw_leaves_out_the_parties_and_the_conflicted_and_can_be_checked(world_session):
    session, world = world_session
    ids = pool_of(session, world, 10)
    case = dispute(session, reporter_name="代表03", reporter_phone="13900000999", township_id=world.units["town"])
    clerk = world.users[Role.clerk]
    with pytest.raises(DomainError, match="3 to 21"):
        panel.draw(session, actor=clerk, case_id=case.id, size=2, now=NOW)
    with pytest.raises(DomainError, match="Only 7"):
        panel.draw(session, actor=clerk, case_id=case.id, size=8, now=NOW, conflicts={ids[0]: "当事人亲属", ids[1]: "邻居"})
    made = panel.draw(session, actor=clerk, case_id=case.id, size=7, now=NOW, seed=20261121,
                      conflicts={ids[0]: "当事人亲属", ids[1]: "邻居"})
    assert made.excluded == {str(ids[3]): "party", str(ids[0]): "conflict: 当事人亲属", str(ids[1]): "conflict: 邻居"}
    seats = set(session.exec(select(PanelSeat.representative_id).where(PanelSeat.draw_id == made.id)).all())
    assert seats == set(ids) - {ids[0], ids[1], ids[3]}  # 7 of the 7 left
    assert panel.verify(session, made)
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                 CaseEvent.action == CaseAction.panel_draw)).one()
    assert event.details["seed"] == 20261121 and len(event.details["panel"]) == 7
    with pytest.raises(DomainError, match="already drawn"):
        panel.draw(session, actor=clerk, case_id=case.id, size=3, now=NOW)
    seat = session.exec(select(PanelSeat).where(PanelSeat.draw_id == made.id)).first()
    session.delete(seat)  # a seat removed behind the center's back
    session.flush()
    assert not panel.verify(session, made)


def test_a_seed_redraws_the_same_panel_from_a_larger_pool(world_session):
    session, world = world_session
    pool_of(session, world, 30, township=False)
    clerk = world.users[Role.clerk]
    first, second = dispute(session), dispute(session)
    a = panel.draw(session, actor=clerk, case_id=first.id, size=5, now=NOW, seed=7)
    b = panel.draw(session, actor=clerk, case_id=second.id, size=5, now=NOW, seed=7)
    seats = lambda d: sorted(session.exec(select(PanelSeat.representative_id).where(PanelSeat.draw_id == d.id)).all())  # noqa: E731
    assert seats(a) == panel.seats_for(7, first.id, a.pool, a.excluded, 5)
    assert seats(a) != seats(b)  # the case is part of the draw: one seed does not pick one panel for every case
    assert panel.verify(session, a) and panel.verify(session, b)


def test_the_hearing_is_recorded_once_with_every_vote(world_session):
    session, world = world_session
    pool_of(session, world, 6)
    clerk = world.users[Role.clerk]
    case = dispute(session)
    with pytest.raises(DomainError, match="No panel"):
        panel.record_hearing(session, actor=clerk, case_id=case.id, held_on=NOW.date(), statements="x", votes={},
                             conclusion="x", now=NOW)
    made = panel.draw(session, actor=clerk, case_id=case.id, size=5, now=NOW - timedelta(days=2))
    _row, seats = panel.of_case(session, user=clerk, case_id=case.id)
    ballot = dict(zip(seats["id"], [PanelVote.in_favour] * 3 + [PanelVote.against, PanelVote.absent]))
    with pytest.raises(FormErrors) as refused:
        panel.record_hearing(session, actor=clerk, case_id=case.id, held_on=NOW.date() + timedelta(days=1),
                             statements="", votes=dict(list(ballot.items())[:4]), conclusion="", now=NOW)
    assert set(refused.value.errors) == {"held_on", "votes", "statements", "conclusion"}
    panel.record_hearing(session, actor=clerk, case_id=case.id, held_on=NOW.date(), statements="甲方陈述……乙方陈述……",
                         votes=ballot, conclusion="评理团认为应按原宅基地证确定边界。", now=NOW)
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                 CaseEvent.action == CaseAction.panel_hearing)).one()
    assert event.details["tally"] == {"in_favour": 3, "against": 1, "abstain": 0, "absent": 1}
    assert session.get(type(made), made.id).heard_on == NOW.date()
    with pytest.raises(DomainError, match="recorded on"):
        panel.record_hearing(session, actor=clerk, case_id=case.id, held_on=NOW.date(), statements="再次",
                             votes=ballot, conclusion="再次", now=NOW)


def test_only_the_center_draws_and_only_it_sees_the_phones(world_session):
    session, world = world_session
    pool_of(session, world, 5)
    case = dispute(session)
    for role in (Role.leader, Role.supervisor, Role.unit_handler, Role.liaison):
        with pytest.raises(DomainError, match="may not"):
            panel.draw(session, actor=world.users[role], case_id=case.id, size=3, now=NOW)
    panel.draw(session, actor=world.users[Role.clerk], case_id=case.id, size=3, now=NOW)
    assert set(panel.representatives(session, user=world.users[Role.leader])["phone"]) == {""}
    assert panel.representatives(session, user=world.users[Role.clerk])["phone"].str.startswith("139").all()
    _row, seats = panel.of_case(session, user=world.users[Role.supervisor], case_id=case.id)
    assert len(seats) == 3 and set(seats["phone"]) == {""}
    for role in (Role.unit_handler, Role.liaison):
        with pytest.raises(DomainError, match="may not"):
            panel.of_case(session, user=world.users[role], case_id=case.id)


# ---- the page --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdb(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "panel", cases=60)


def test_the_center_draws_a_panel_and_records_the_hearing_on_the_page(pdb, monkeypatch):
    url, engine = pdb
    monkeypatch.setenv("DATABASE_URL", url)
    from sqlmodel import Session

    from core.models import Case
    with Session(engine) as s:
        code = s.exec(select(Case.tracking_code).where(Case.status == S.in_progress).order_by(Case.id)).first()
    at = open_page("panel", "clerk")
    assert not at.exception and at.title[0].value == "民事民议"
    at.text_input(key="panel_code").input(code).run()
    at.number_input(key="panel_size").set_value(5)
    button(at, "抽取评理团").click().run()
    assert not at.exception and not at.error
    assert any("可复核" in s.value for s in at.success)
    assert any("随机种子" in c.value for c in at.caption)
    statements = "甲方：……乙方：……"
    at.text_area(key="panel_statements").input(statements)
    button(at, "记录评理大会").click().run()  # no votes, no finding: refused, the statements kept
    assert at.error and at.text_area(key="panel_statements").value == statements
    for radio in [r for r in at.radio if r.key.startswith("panel_vote_")]:
        radio.set_value(PanelVote.in_favour)
    at.text_area(key="panel_conclusion").input("评理团一致认为应按协议执行。")
    button(at, "记录评理大会").click().run()
    assert not at.exception
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        tally = s.exec(select(CaseEvent.details).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.action == CaseAction.panel_hearing)).one()["tally"]
    assert tally["in_favour"] == 5
    leader = open_page("panel", "leader")
    leader.text_input(key="panel_code").input(code).run()
    assert not leader.exception and not [b for b in leader.button if b.label.startswith("抽取评理团")]
    assert any("评理大会" in m.value for m in leader.markdown)
    assert not open_page("panel", "liaison").title  # not a liaison's page
