"""AppTest on the desks built over the board: the leader's desk orders ticked cases from an
instruction template filled per case; the supervision office reminds and circulates; the admin
keeps the templates; a clerk's reply starts from one."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from core import auth, board, ledger, templates
from core.models import Case, CaseAction as A, CaseEvent, CaseStatus as S, Circular, TemplateKind, TextTemplate, Unit
from tests.pagetest import button, demo_database, open_page
from tests.conftest import DEMO_NOW, ROOT


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "desks")


@pytest.fixture(autouse=True)
def use_db(desk_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", desk_db[0])


def page(name: str, username: str | None) -> AppTest:
    return open_page(name, username)



def test_the_leader_orders_ticked_cases_with_a_template_filled_for_each(desk_db):
    _url, engine = desk_db
    with Session(engine) as s:
        leader = auth.load_current_user(s, "leader")
        _n, waiting = ledger.list_cases(s, user=leader, filters=ledger.LedgerFilter(), now=DEMO_NOW, page_size=100,
                                        by_deadline=True, extra=board.condition(s, user=leader, key="to_order", now=DEMO_NOW))
        template = next(t for t in templates.templates_for(s, kind=TemplateKind.instruction, category_id=None)
                        if "{unit}" in t.body)
    assert len(waiting) >= 2
    at = page("desk", "leader")
    at.session_state["desk_to_order_0"] = {"selection": {"rows": [0, 1], "columns": []}}
    at.run()
    at.selectbox(key="desk_template").select(template.id).run()
    assert "{unit}" in at.text_area(key="desk_instruction").value  # filled per case on submit, not now
    button(at, "下单批示").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Session(engine) as s:
        for code in waiting["tracking_code"][:2]:
            case = s.exec(select(Case).where(Case.tracking_code == code)).one()
            unit = s.get(Unit, case.unit_id).name
            assert case.status == S.dispatched
            assert case.instruction == templates.fill(template.body, templates.case_values(s, case))
            assert unit in case.instruction and "{" not in case.instruction


def test_the_supervision_office_reminds_and_circulates_ticked_cases(desk_db):
    _url, engine = desk_db
    at = page("supervision", "supervisor")
    code = at.dataframe[0].value.iloc[0, 0]
    at.session_state["sup_table_0"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    html = next(d for d in at.get("download_button") if d.proto.label.startswith("下载通报"))
    assert html is not None
    button(at, "催办").click().run()
    assert not at.exception and not at.error
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        last = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())).first()
        assert (last.action, last.actor_role, case.on_supervision_register) == (A.supervise, "supervisor", True)
        circulars_before = len(s.exec(select(Circular)).all())
    at.session_state["sup_table_1"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    button(at, "发出通报").click().run()
    assert not at.exception
    with Session(engine) as s:
        assert len(s.exec(select(Circular)).all()) == circulars_before + 1


def test_a_leader_reads_the_register_but_does_not_act_on_it(desk_db):
    at = page("supervision", "leader")
    assert not at.exception and at.dataframe
    assert button(at, "催办").disabled and button(at, "发出通报").disabled


def test_a_rejected_template_keeps_what_was_typed(desk_db):
    _url, engine = desk_db
    at = page("templates", "admin")
    at.text_area[0].input("请{unit}限期答复")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["请填写：标题。"]
    assert at.text_area[0].value == "请{unit}限期答复"
    at.text_input[0].input("限期答复")
    at.button[0].click().run()
    with Session(engine) as s:
        assert s.exec(select(TextTemplate).where(TextTemplate.title == "限期答复")).one().body == "请{unit}限期答复"


def test_the_clerks_reply_starts_from_the_categorys_template(desk_db):
    _url, engine = desk_db
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.status == S.approved, Case.unit_id.is_not(None))
                      .order_by(Case.id)).first()
        choice = templates.templates_for(s, kind=TemplateKind.reply, category_id=case.category_id)[0]
        expected = templates.fill(choice.body, templates.case_values(s, case))
    at = AppTest.from_file(str(ROOT / "pages/case.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
    at.session_state["username"] = "clerk"
    at.session_state["case_code"] = case.tracking_code
    at.run()
    v = f"v{case.version}"
    at.selectbox(key=f"case_{A.feedback}_template_{v}").select(choice.id).run()
    assert at.text_area(key=f"case_{A.feedback}_text_{v}").value == expected
