"""AppTest on the intake pages: the liaison form and the duty room with good and bad input (what
was typed survives a refusal), repeat callers, and the public progress page's rules."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from core import auth, labels
from core.models import Case, CaseStatus as S, Channel, Liaison, Unit
from tests.pagetest import demo_database, open_page


@pytest.fixture(scope="module")
def intake_db(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "intake")


@pytest.fixture(autouse=True)
def use_db(intake_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", intake_db[0])


def page(name: str, username: str | None) -> AppTest:
    return open_page(name, username)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_liaison_form_keeps_what_was_typed_when_refused_then_gives_a_code(intake_db):
    _url, engine = intake_db
    at = page("report", "liaison")
    with Session(engine) as s:
        liaison = s.get(Liaison, auth.load_current_user(s, "liaison").liaison_id)
        station = s.get(Unit, liaison.station_id)
    # the liaison's own village comes filled in
    assert (at.selectbox(key="rep_township").value, at.selectbox(key="rep_village").value) == (
        station.parent_id, station.id)
    at.selectbox(key="rep_township").set_value(None)
    at.text_input(key="rep_who").input("张大爷一家")
    at.text_input(key="rep_phone").input("1234")
    at.text_area(key="rep_content").input("组里自来水停了三天，水发黄").run()
    assert at.selectbox(key="rep_category").value is not None  # suggested from the text
    at.button(key="rep_submit").click().run()
    shown = markdown(at)
    assert "电话号码格式不对" in shown and "请填写：乡镇（社区）" in shown
    assert (at.text_input(key="rep_who").value, at.text_area(key="rep_content").value) == (
        "张大爷一家", "组里自来水停了三天，水发黄")
    at.text_input(key="rep_phone").input("13812345678")
    at.selectbox(key="rep_township").select_index(0).run()
    at.button(key="rep_submit").click().run()
    assert not at.exception
    code = next(m.value for m in at.markdown if "MQ-" in m.value).split(">")[1].split("<")[0]
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
    assert (case.channel, case.reporter_name, case.content, case.category_id is not None) == (
        Channel.liaison_form, "张大爷一家", "组里自来水停了三天，水发黄", True)


def test_the_duty_room_shows_a_repeat_caller_and_registers_the_call(intake_db):
    _url, engine = intake_db
    with Session(engine) as s:
        known = s.exec(select(Case.reporter_phone).where(Case.reporter_phone.is_not(None)).order_by(Case.id)).first()
    at = page("duty", "clerk")
    at.text_input(key="duty_phone").input(known).run()
    assert any("重复来电" in w.value for w in at.warning)
    at.text_input(key="duty_caller").input("李四")
    at.text_area(key="duty_content").input("<b>路灯</b>坏了一个月，晚上很黑").run()
    at.button(key="duty_submit").click().run()
    assert not at.exception and any("已登记" in m.value for m in at.success)
    with Session(engine) as s:
        case = s.exec(select(Case).order_by(Case.id.desc())).first()
    assert (case.reporter_phone, case.content, case.status) == (known, "<b>路灯</b>坏了一个月，晚上很黑", S.received)


def test_the_duty_room_refuses_a_bad_phone_next_to_the_field(intake_db):
    at = page("duty", "clerk")
    at.text_input(key="duty_caller").input("李四")
    at.text_input(key="duty_phone").input("110")
    at.text_area(key="duty_content").input("路灯坏了一个月").run()
    at.button(key="duty_submit").click().run()
    assert "电话号码格式不对" in markdown(at)
    assert at.text_input(key="duty_caller").value == "李四"


def test_the_public_page_needs_no_sign_in_and_shows_no_personal_data(intake_db):
    _url, engine = intake_db
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.reporter_phone.is_not(None), Case.status == S.closed)
                      .order_by(Case.id)).first()
    at = page("progress", None)
    at.text_input(key="progress_code").input(case.tracking_code)
    at.text_input(key="progress_digits").input(case.reporter_phone[-4:])
    at.button[0].click().run()
    text = markdown(at)
    assert case.tracking_code in text and "已结案" in text
    assert case.reporter_name not in text and case.reporter_phone not in text
    for _ in range(3):
        at.text_input(key="progress_digits").input("0000")
        at.button[0].click().run()
    assert [e.value for e in at.error][-1] == "编号与电话不匹配，或该事项未登记电话。"


def test_the_liaison_form_is_not_for_other_roles(intake_db):
    at = page("report", "clerk")
    assert labels.t("guard.denied") in [e.value for e in at.error]
    assert not at.text_area
