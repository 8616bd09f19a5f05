"""AppTest on the pages of trustworthy numbers: the center draws a month's call-back sample and
records a call; a leader reads the comparison but no resident's phone; a unit cannot open the
page. The scores page shows the published weights, a score taken apart exactly as core.kpi does,
the annual assessment; the admin moves the weights through the form and the change is recorded."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core import agenda, auth, callback, county_settings, kpi, reception, topics
from core.clock import local_now
from core.labels import t
from core.models import CallbackCheck, CallbackDraw, Rating
from tests.pagetest import button, demo_database, open_page


@pytest.fixture(scope="module")
def tdb(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "trust", cases=600)


@pytest.fixture(autouse=True)
def use_db(tdb, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", tdb[0])


def auth_user(s, name):
    return auth.load_current_user(s, name)


def test_the_center_draws_and_records_a_call(tdb):
    _url, engine = tdb
    at = open_page("callbacks", "clerk")
    assert not at.exception
    assert at.selectbox(key="cb_month").value == callback.last_finished_month(local_now())
    with Session(engine) as s:  # the demo drew last month; a month before it is still to draw
        drawn = {d.month for d in callback.draws(s)}
    month = next(m for m in kpi.months_around(callback.last_finished_month(local_now()), back=5) if m not in drawn)
    at.selectbox(key="cb_month").set_value(month).run()
    button(at, "抽取本月样本").click().run()
    assert not at.exception
    with Session(engine) as s:
        made = s.exec(select(CallbackDraw).where(CallbackDraw.month == month)).one()
        drawn = len(s.exec(select(CallbackCheck).where(CallbackCheck.draw_id == made.id)).all())
        assert drawn >= min(5, made.population)
        assert callback.verify(s, made)["same_sample"]
    assert any(f"随机种子 {made.seed}" in c.value for c in at.caption)
    assert any("可复核" in x.value for x in at.success)
    # pick the first call and record the resident's answer
    at.session_state[f"cb_calls_{made.id}"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    at.radio(key="cb_reached").set_value(True)
    at.radio(key="cb_confirmed").set_value(False)
    at.radio(key="cb_rating").set_value(Rating.dissatisfied)
    at.text_input(key="cb_note").input("路灯仍未修好")
    button(at, "记录回访").click().run()
    assert not at.exception
    with Session(engine) as s:
        done = s.exec(select(CallbackCheck).where(CallbackCheck.draw_id == made.id,
                                                  CallbackCheck.reached == True)).all()  # noqa: E712
    assert len(done) == 1 and done[0].note == "路灯仍未修好" and done[0].confirmed is False
    assert any("的回访已记录" in x.value for x in at.success)


def test_a_leader_reads_the_comparison_without_phones_and_a_unit_cannot_open_it(tdb):
    at = open_page("callbacks", "leader")
    assert not at.exception
    assert not [b for b in at.button if b.label.startswith("抽取")]  # leaders do not draw
    shown = [df.value for df in at.dataframe]
    assert shown and all("联系电话" not in frame.columns for frame in shown)
    assert any("在案满意率" in frame.columns for frame in shown)
    blocked = open_page("callbacks", "unit_health")
    assert [e.value for e in blocked.error] == [t("guard.denied")] and not blocked.dataframe


def test_the_scores_page_takes_a_score_apart_and_the_admin_moves_the_weights(tdb):
    _url, engine = tdb
    at = open_page("scores", "leader")
    assert not at.exception
    assert any("40% 按时办结率" in c.value for c in at.caption)
    at.segmented_control(key="sc_kind").set_value("year").run()
    picked = at.selectbox(key="sc_member_unit").value
    today = local_now().date()
    with Session(engine) as s:
        found = kpi.explain(s, kpi.KpiFilter(start=today.replace(month=1, day=1), end=today), group="unit",
                            member_id=picked)
    if found["score"] is not None:
        assert at.metric[0].value == f"{found['score']:.1f}"
    assert any("县直单位" in m.value for m in at.markdown)
    assert not [f for f in at.get("form")]  # a leader sees the weights but has no form to change them

    admin = open_page("scores", "admin")
    admin.number_input(key="sc_weights_score.on_time_rate").set_value(50)
    admin.number_input(key="sc_weights_score.return_rate").set_value(0)
    button(admin, "保存设置").click().run()
    assert not admin.exception
    with Session(engine) as s:
        assert county_settings.score_weights(s)["on_time_rate"] == 0.5
        changes = county_settings.history(s, "score.")
    assert set(changes["key"]) == {"score.on_time_rate", "score.return_rate"}
    again = open_page("scores", "leader")
    assert any("50% 按时办结率" in c.value for c in again.caption)
    assert any("权重最近由" in c.value for c in again.caption)
    refused = open_page("scores", "admin")
    refused.number_input(key="sc_weights_score.closure_rate").set_value(90)
    button(refused, "保存设置").click().run()
    assert any("之和须为 100" in e.value for e in refused.error)
    assert refused.number_input(key="sc_weights_score.closure_rate").value == 90  # what was typed stays


def test_the_dashboard_sets_recorded_beside_verified_satisfaction(tdb):
    """This month has no sample yet (drawn after a month ends): the dashboard shows the newest one."""
    _url, engine = tdb
    with Session(engine) as s:
        month = max(d.month for d in callback.draws(s))  # the demo's, or a newer one drawn above
        expected = callback.comparison(s, user=auth_user(s, "leader"), start=month, end=month)
    at = open_page("dashboard", "leader")
    assert not at.exception
    assert any(f"{month:%Y-%m} 至 {month:%Y-%m} 抽取的回访" in c.value for c in at.caption)
    unit_table, town_table = [df.value for df in at.dataframe if "核实满意率" in df.value.columns]
    assert list(unit_table["接通可比"]) == list(expected["pairs"])
    with Session(engine) as s:
        towns = callback.comparison(s, user=auth_user(s, "leader"), start=month, end=month, group="township")
    assert list(town_table["接通可比"]) == list(towns["pairs"]) and town_table["接通可比"].sum() == unit_table["接通可比"].sum()


def test_a_leader_finds_the_agenda_on_the_desk_and_the_clerk_records_a_decision(tdb):
    _url, engine = tdb
    desk = open_page("desk", "leader")
    assert not desk.exception
    lines = [m.value for m in desk.markdown if "议程" in m.value and "件" in m.value]
    with Session(engine) as s:
        coming = agenda.upcoming(s, user=auth_user(s, "leader"), today=local_now().date())
    assert len(lines) == len(coming)
    at = open_page("agenda", "clerk")
    assert not at.exception
    today = local_now().date()
    with Session(engine) as s:  # a reception of the last days with something on its agenda
        clerk = auth_user(s, "clerk")
        key = next(o.key for o in reception.occurrences(s, start=today - timedelta(days=7), end=today)
                   if not agenda.items(s, user=clerk, key=o.key, now=local_now()).empty)
        first = agenda.items(s, user=clerk, key=key, now=local_now()).iloc[0]
    at.selectbox(key="ag_pick").set_value(key).run()
    at.session_state[f"ag_table_{key}"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    at.text_area(key="ag_outcome").input("当场答复，责成承办单位三日内回复")
    button(at, "记录议定").click().run()
    assert not at.exception
    with Session(engine) as s:
        assert agenda.outcomes(s, key=key)[int(first["id"])] == "当场答复，责成承办单位三日内回复"
    assert any("已记入" in x.value for x in at.success)


def test_a_leader_picks_the_monthly_topic_on_the_page(tdb):
    _url, engine = tdb
    at = open_page("topics", "leader")
    assert not at.exception
    month = local_now().date().replace(day=1)
    with Session(engine) as s:
        found = topics.candidates(s, user=auth_user(s, "leader"), month=month)
    table = next(df.value for df in at.dataframe)
    assert list(table["件数"]) == [c.cases for c in found]
    at.session_state[f"tp_table_{month}"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    button(at, "定为本月一题").click().run()
    assert any("办理计划" in e.value for e in at.error)  # no plan: refused, nothing chosen
    at.text_area(key="tp_plan").input("牵头单位月底前集中整治")
    button(at, "定为本月一题").click().run()
    assert not at.exception
    with Session(engine) as s:
        (chosen,) = topics.topics(s)
        assert (chosen.category_id, chosen.township_id) == (found[0].category_id, found[0].township_id)
        state = topics.progress(s, user=auth_user(s, "leader"), topic=chosen, now=local_now())
    assert any(f"共 {state['cases']} 件" in i.value for i in at.info)
    clerk = open_page("topics", "clerk")
    assert not clerk.exception and not [b for b in clerk.button if b.label.startswith("定为")]
