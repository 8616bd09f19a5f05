"""AppTest on the reception pages: confirm and publish from the list, a visitor becomes a case
(a refused form keeps what was typed), rules refuse bad days, the leader's ledger and the
public notices render."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from core import auth, board, kpi, reception
from core.clock import local_now
from core.models import Case, Channel, ReceptionRule, ReceptionVisitor
from tests.pagetest import button, demo_database, open_page
from tests.conftest import DEMO_TODAY


@pytest.fixture(scope="module")
def rdb(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "reception")


@pytest.fixture(autouse=True)
def use_db(rdb, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", rdb[0])


def page(name: str, username: str | None = "clerk") -> AppTest:
    return open_page(name, username)



def pick(at: AppTest, engine, want) -> reception.Occurrence:
    return pick_for(at, engine, want, leader=0)


def pick_for(at: AppTest, engine, want, *, leader: int) -> reception.Occurrence:
    """Tick the first occurrence `want` accepts in this month's list, else next month's
    (the list as shown with the leader filter `leader`, 0 for every leader)."""
    today = local_now().date()
    for month in kpi.months_around(today, back=1, ahead=1):
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        with Session(engine) as s:
            plan = reception.occurrences(s, start=month, end=end)
        index = next((i for i, o in enumerate(plan) if want(o)), None)
        if index is not None:
            at.selectbox(key="rec_month").select(month).run()
            at.session_state[f"rec_table_{month:%Y%m}_{leader}"] = {"selection": {"rows": [], "columns": [], "cells": [(index, "日期")]}}
            at.run()
            return plan[index]
    raise AssertionError("no such reception in the demo")


def test_the_center_confirms_and_publishes_a_coming_reception(rdb):
    _url, engine = rdb
    at = page("reception")
    today = local_now().date()
    occ = pick(at, engine, lambda o: o.date > today + timedelta(days=1) and not o.confirmed and o.rule_id)
    assert not at.exception
    button(at, "确认领导到场").click().run()
    button(at, "发布预告").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Session(engine) as s:
        again = reception.occurrence(s, occ.key)
    assert again.confirmed and again.notice_published_at is not None
    assert again.notice_leader_id == again.effective_leader_id


def test_a_visitor_becomes_a_case_and_a_refused_form_keeps_the_text(rdb):
    _url, engine = rdb
    at = page("reception")
    today = local_now().date()
    occ = pick(at, engine, lambda o: o.date < today and o.rule_id and o.day_id)
    at.text_input(key="rec_v_name_0").input("钱大爷")
    at.text_input(key="rec_v_phone_0").input("12345")
    at.text_area(key="rec_v_demand_0").input("小区门口路灯坏了一个月")
    button(at, "登记并立案").click().run()
    assert "电话号码格式不对" in " ".join(m.value for m in at.markdown)
    assert at.text_area(key="rec_v_demand_0").value == "小区门口路灯坏了一个月"
    at.text_input(key="rec_v_phone_0").input("13612345678")
    button(at, "登记并立案").click().run()
    assert not at.exception
    with Session(engine) as s:
        visitor = s.exec(select(ReceptionVisitor).where(ReceptionVisitor.name == "钱大爷")).one()
        case = s.get(Case, visitor.case_id)
        stored = reception.occurrence(s, occ.key)
    assert case.channel == Channel.reception and case.owner_leader_id == (stored.attended_id or stored.effective_leader_id)
    late = case.due_at < local_now()
    said = [m.value for m in (at.warning if late else at.success)]
    assert case.due_at is not None and any("已登记" in m for m in said)
    assert ("已计为超期" in " ".join(said)) == late  # a deadline already past is said, not hidden
    assert at.text_area(key="rec_v_demand_1").value == ""  # an empty form: a second click records nothing again
    if (today - occ.date).days >= 7:
        assert any("这次接访已过去" in w.value for w in at.warning)


def test_rules_refuse_bad_days_and_keep_the_form(rdb):
    _url, engine = rdb
    at = page("reception")
    with Session(engine) as s:
        before = len(s.exec(select(ReceptionRule)).all())
    at.text_input(key="rec_rule_name_None").input("村级接访")
    at.text_input(key="rec_rule_days_None").input("0,40")
    next(b for b in at.button if b.label == "保存规则").click().run()
    text = " ".join(m.value for m in at.markdown)
    assert "日期格式" in text and "轮值领导" in text
    assert at.text_input(key="rec_rule_days_None").value == "0,40"
    with Session(engine) as s:
        assert len(s.exec(select(ReceptionRule)).all()) == before


@pytest.mark.parametrize("username", ["leader", "clerk", "supervisor"])
def test_the_ledger_renders_for_each_reader(rdb, username):
    at = page("reception_ledger", username)
    assert not at.exception
    assert any(m.label == "来访群众" for m in at.metric)


def test_a_leader_sees_residents_masked_in_the_ledger(rdb):
    _url, engine = rdb
    with Session(engine) as s:
        leader = auth.load_current_user(s, "leader")
        mine = board.leader_id_of(s, leader)
        entries = reception.ledger_entries(s, user=leader, leader_id=mine, start=DEMO_TODAY - timedelta(days=60),
                                           end=DEMO_TODAY)
    assert entries, "the demo leader received visitors"
    assert all("*" in e["phone"] for e in entries if e["phone"])


def test_public_notices_render_without_signing_in(rdb):
    at = page("notices", None)
    assert not at.exception
    assert any("接访领导" in m.value for m in at.markdown)


def test_a_leader_opening_another_leaders_reception_sees_no_visitors(rdb):
    _url, engine = rdb
    today = local_now().date()
    with Session(engine) as s:
        mine = board.leader_id_of(s, auth.load_current_user(s, "leader"))
    at = page("reception", "leader")
    at.session_state["rec_leader"] = 0  # 全部领导
    at.run()
    occ = pick_for(at, engine, lambda o: o.date < today and o.visitors and mine not in (o.attended_id, o.effective_leader_id),
                   leader=0)
    assert not at.exception
    assert "您的角色无权执行此操作。" in [c.value for c in at.caption]
    assert occ.visitors > 0
