"""AppTest journey on the case page: each role takes its step through the forms the workflow
table offers it, from draft to close, including a return for redo and a 不满意 rating."""
from __future__ import annotations

import os

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from core import auth, casefile, demo, labels, services, ui, workflow
from core.db import make_engine, migrate
from core.models import Case, CaseAction as A, CaseStatus as S, Channel, Unit
from tests.conftest import DEMO_NOW, DEMO_TODAY, ROOT, new_database_url

PAGE = str(ROOT / "pages/case.py")


@pytest.fixture(scope="module")
def journey_db(tmp_path_factory):
    url = new_database_url(tmp_path_factory.mktemp("journey"))
    engine = make_engine(url)
    migrate(engine)
    demo.load_demo(engine, cases=10, today=DEMO_TODAY)
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "clerk")
        liaison = auth.load_current_user(s, "liaison")
        case = services.register(s, actor=clerk, now=DEMO_NOW, channel=Channel.hotline,
                                 content="卫生室无人值守，老人看病难", liaison_id=liaison.liaison_id)
        s.commit()
        code = case.tracking_code
        health = s.exec(select(Unit.id).where(Unit.code == "WJ")).one()
    yield url, engine, code, health
    engine.dispose()


@pytest.fixture(autouse=True)
def use_db(journey_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", journey_db[0])


def page(username: str, code: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
    at.session_state["username"] = username
    at.session_state["case_code"] = code
    return at.run()


def offered(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def action_word(username: str, action: A) -> str:
    engine = make_engine(os.environ["DATABASE_URL"])
    with Session(engine) as s:
        user = auth.load_current_user(s, username)
    engine.dispose()
    return casefile.action_name(action, user)


def act(username: str, code: str, action: A, **fields) -> AppTest:
    at = page(username, code)
    assert action_word(username, action) in offered(at), (username, action, offered(at))
    for name, value in fields.items():
        key = f"case_{action}_{name}_v"  # then the version the page was opened at
        widget = next(w for w in [*at.text_input, *at.text_area, *at.selectbox, *at.checkbox, *at.date_input]
                      if w.key and w.key.startswith(key))
        if hasattr(widget, "select"):
            widget.select(value)
        elif hasattr(widget, "check"):
            widget.check() if value else widget.uncheck()
        else:
            widget.input(value) if hasattr(widget, "input") else widget.set_value(value)
    next(b for b in at.button if b.label == action_word(username, action)).click()
    return at.run()


def status(engine, code) -> S:
    with Session(engine) as s:
        return s.exec(select(Case.status).where(Case.tracking_code == code)).one()


REPORT = dict(truthful="true", cause="人员不足", measures="增派村医轮值", result="已安排村医每日坐诊",
              liaison_opinion="同意", responsible_person="卫健局 李科长")


def test_journey_from_draft_to_close(journey_db):
    _url, engine, code, health = journey_db
    with Session(engine) as s:
        category = s.exec(select(Case.category_id).where(Case.category_id.is_not(None))).first()
    steps = [
        ("clerk", A.draft, dict(category_id=category, tier="unit", priority="easy", unit_id=health,
                                handling_opinion="建议交县卫健局办理"), S.drafted),
        ("leader", A.order, dict(instruction="请三个工作日内办结"), S.dispatched),
        ("unit_health", A.accept, {}, S.in_progress),
        ("unit_health", A.report, REPORT, S.reported),
        ("supervisor", A.return_for_redo, dict(reason="incomplete", note="缺少整改时限"), S.returned),
        ("unit_health", A.report, {}, S.reported),  # the second report starts from the first: nothing retyped
        ("supervisor", A.approve, {}, S.approved),
        ("clerk", A.feedback, dict(channel="via_liaison", text="已告知联络员"), S.fed_back),
        ("liaison", A.rate, dict(rating="dissatisfied"), S.returned),
        ("unit_health", A.report, dict(REPORT, result="已配备两名村医"), S.reported),
        ("supervisor", A.approve, {}, S.approved),
        ("clerk", A.feedback, dict(channel="phone", text="已电话告知"), S.fed_back),
        ("liaison", A.rate, dict(rating="satisfied"), S.fed_back),
    ]
    for username, action, fields, expected in steps:
        at = act(username, code, action, **fields)
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, (action, [e.value for e in at.error])
        assert status(engine, code) == expected, (username, action)
    # the close button refuses with the missing items named
    at = act("leader", code, A.close)
    assert [e.value for e in at.error] == ["不能结案（三不结案），缺少：回访单。"]
    assert status(engine, code) == S.fed_back
    at = act("clerk", code, A.follow_up, note="电话回访，群众满意")
    notes = [w for w in at.text_area if w.key.startswith(f"case_{A.follow_up}_note_")]
    assert [w.value for w in notes] == [""]  # the form starts empty: a second click records no second 回访
    at = act("leader", code, A.close)
    assert not at.error and status(engine, code) == S.closed
    timeline = page("clerk", code).dataframe[-1].value
    assert len(timeline) == 16  # register + 15 successful actions


@pytest.mark.parametrize("username", ["clerk", "leader", "supervisor", "unit_health", "liaison", "admin"])
def test_the_page_offers_exactly_what_the_table_allows(journey_db, username):
    _url, engine, code, _health = journey_db
    at = page(username, code)
    with Session(engine) as s:
        user = auth.load_current_user(s, username)
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        expected = workflow.allowed_actions(user, case.status, case_unit_id=case.unit_id,
                                            case_liaison_id=case.liaison_id)
    assert offered(at) == [casefile.action_name(a, user) for a in expected]


def test_another_unit_cannot_open_the_case(journey_db):
    _url, _engine, code, _health = journey_db
    at = page("unit_housing", code)
    assert labels.t("case.not_found") in [w.value for w in at.warning]
    assert not at.dataframe


def registered(engine, content: str) -> tuple[str, int]:
    """A new case registered by the clerk: (tracking code, id)."""
    with Session(engine) as s:
        case = services.register(s, actor=auth.load_current_user(s, "clerk"), now=DEMO_NOW, channel=Channel.hotline,
                                 content=content)
        s.commit()
        return case.tracking_code, case.id


def test_stale_page_is_refused_and_says_who(journey_db):
    _url, engine, _code, _health = journey_db
    code, case_id = registered(engine, "路灯不亮")
    at = page("clerk", code)  # the clerk opens the page and sees version 1
    with Session(engine) as s:
        services.explain_and_close(s, case_id=case_id, actor=auth.load_current_user(s, "director"), now=DEMO_NOW,
                                   expected_version=1, explanation="已解释")
        s.commit()
    at.text_area(key=f"case_{A.explain_and_close}_explanation_v1").input("我的解释")
    next(b for b in at.button if b.label == labels.label(A.explain_and_close)).click()
    at.run()
    assert labels.t("case.stale") in [w.value for w in at.warning]
    assert status(engine, code) == S.explained
    with Session(engine) as s:
        assert s.get(Case, case_id).result_summary == "已解释"


def test_coming_back_to_a_case_sees_it_as_it_is_now(journey_db):
    _url, engine, _code, health = journey_db
    code, case_id = registered(engine, "垃圾无人清运")
    at = page("clerk", code)  # an earlier visit in this session saw version 1
    with Session(engine) as s:
        category = s.exec(select(Case.category_id).where(Case.category_id.is_not(None))).first()
        services.act(s, A.draft, case_id=case_id, actor=auth.load_current_user(s, "director"), now=DEMO_NOW,
                     expected_version=1, category_id=category, tier="unit", priority="easy", unit_id=health)
        s.commit()
    at.session_state[ui.CURRENT_PAGE] = "ledger"  # the clerk went to the ledger, then opens the case again
    at.run()
    assert labels.t("case.stale") not in [w.value for w in at.warning]
    at.run()  # the page's own reruns keep this opening's version
    assert at.session_state[f"case_seen_version_{code}"] == 2


def test_every_action_has_a_form_with_labelled_fields():
    assert set(casefile.ACTION_FORMS) == set(workflow.CASE_ACTIONS)
    for fields in casefile.ACTION_FORMS.values():
        for field in fields:
            assert f"field.{field.name}" in labels.TEXT, field.name
