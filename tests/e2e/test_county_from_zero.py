"""A real county from zero, in the browser: a production start on an empty database (no demo, the
first administrator from MQT_ADMIN_PASSWORD), the admin imports the sample county workbook from
data/, creates an account for one of its liaisons, the liaison changes the first password and files a case, and
the center's clerk — an account the import made — changes theirs and dispatches the case."""
from __future__ import annotations

import re
import time

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import (AUTH_COOKIE, TIMEOUT_MS, fill_sign_in, no_traceback, settle, shot, sign_in, streamlit_server,
                                wait_for_cookie)

ADMIN_PASSWORD = "Yunxi-admin-2026"
SAMPLE = ROOT / "data" / "sample_county.xlsx"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    settings = {"MQT_MODE": "production", "MQT_COOKIE_KEY": "e2e-" + "k" * 40,
                "MQT_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with streamlit_server(tmp_path_factory.mktemp("county"), **settings) as (url, database):
        yield {"url": url, "database": database}


def pick(page, label: str, option: str) -> None:
    """Chooses `option` in the select box labelled `label` by typing it, as a user would."""
    settle(page)  # a rerun still drawing would close the list under the typing
    page.get_by_label(label, exact=True).filter(visible=True).first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.wait_for(timeout=TIMEOUT_MS)
    page.keyboard.press("Enter")  # the only option left after typing its whole name
    page.wait_for_timeout(500)


def first_sign_in(page, url: str, username: str, password: str, new_password: str) -> None:
    """A first password must be changed before anything else: the account page is all one sees."""
    fill_sign_in(page, url, username, password)
    page.get_by_text("请先修改为只有您知道的密码").first.wait_for(timeout=TIMEOUT_MS)
    wait_for_cookie(page)
    settle(page)
    page.get_by_label("当前密码").fill(password)
    page.get_by_label("新密码", exact=True).fill(new_password)
    page.get_by_label("再次输入新密码").fill(new_password)
    first_cookie = next(c["value"] for c in page.context.cookies() if c["name"] == AUTH_COOKIE)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("密码已修改").first.wait_for(timeout=TIMEOUT_MS)  # on the user's home page, full menu
    assert page.get_by_role("heading", name="我的账户").count() == 0
    # the change ended the first password's cookie, and this browser got a new one
    deadline = time.monotonic() + 20
    while next(c["value"] for c in page.context.cookies() if c["name"] == AUTH_COOKIE) == first_cookie:
        assert time.monotonic() < deadline, "the cookie was not renewed after the password change"
        page.wait_for_timeout(200)


def test_a_county_is_set_up_from_its_workbook_and_works_the_same_day(county, browser):
    url = county["url"]
    admin = browser.new_page(viewport={"width": 1280, "height": 1000})
    # 1. production start: no demo banner, the admin's home shows the first-run checklist
    sign_in(admin, url, "admin", ADMIN_PASSWORD)
    assert admin.get_by_text("演示数据").count() == 0
    admin.get_by_text("开始使用：还有").first.wait_for(timeout=TIMEOUT_MS)
    no_traceback(admin)
    shot(admin, "county_zero_admin_home")

    # 2. the network workbook from data/, checked whole and imported
    admin.goto(f"{url}/network")
    admin.get_by_role("tab", name="Excel 导入导出").click()
    admin.locator("input[type=file]").first.set_input_files(str(SAMPLE))
    admin.get_by_role("button", name="检查并导入").click()
    admin.get_by_text("已导入").first.wait_for(timeout=TIMEOUT_MS)
    passwords = dict(line.split() for line in
                     admin.locator("[data-testid='stCode']").first.inner_text().strip().splitlines())
    assert "yx_zhongxin" in passwords
    no_traceback(admin)
    shot(admin, "county_zero_network_import")

    # 3. an account for a liaison of the workbook (孙国强 at 桃源村), made in the browser
    admin.goto(f"{url}/users")
    admin.get_by_role("heading", name="用户与角色").first.wait_for(timeout=TIMEOUT_MS)
    admin.get_by_label("用户名（字母、数字、下划线）").fill("SunGuoqiang")
    admin.get_by_label("姓名").first.fill("孙国强")
    admin.get_by_label("初始密码").fill("Guoqiang-first-1")
    pick(admin, "角色", "民情联络员")
    admin.keyboard.press("Escape")
    pick(admin, "联络站（联络员必填）", "云溪镇 · 桃源村")
    admin.get_by_role("button", name="保存").first.click()
    admin.get_by_text("已创建").first.wait_for(timeout=TIMEOUT_MS)
    settle(admin)
    assert admin.get_by_label("用户名（字母、数字、下划线）").input_value() == ""  # ready for the next account
    no_traceback(admin)
    shot(admin, "county_zero_new_liaison")
    admin.goto(url)  # the checklist ticked what the workbook set up; time limits, receptions, holidays remain
    admin.get_by_text("开始使用：还有 3 步").first.wait_for(timeout=TIMEOUT_MS)

    # 4. the liaison signs in, must first change the password, and files what a resident needs
    liaison = browser.new_page(viewport={"width": 420, "height": 1100})  # a phone
    first_sign_in(liaison, url, "sunguoqiang", "Guoqiang-first-1", "Guoqiang-own-2026")
    liaison.goto(f"{url}/report")
    liaison.get_by_role("heading", name="上报民情").first.wait_for(timeout=TIMEOUT_MS)
    liaison.get_by_label("反映人（受影响的群众） *").fill("桃源村三组 王大伯")
    liaison.get_by_label("联系电话").fill("13985106688")
    pick(liaison, "乡镇（社区） *", "云溪镇")
    pick(liaison, "村（社区）", "桃源村")
    liaison.get_by_label("反映内容 *").fill("桃源村三组的自来水管破裂，已经停水两天，二十多户吃水困难，请尽快抢修。")
    liaison.get_by_label("反映内容 *").blur()
    liaison.wait_for_timeout(1500)  # the category is suggested from the text
    shot(liaison, "county_zero_liaison_report")
    liaison.get_by_role("button", name="提交上报").click()
    liaison.get_by_text("已上报").first.wait_for(timeout=TIMEOUT_MS)
    # the code is its own element, drawn just after the message: wait for it, don't read the page mid-draw
    code_shown = liaison.get_by_text(re.compile(r"^MQ-\d{4}-\d+$")).first
    code_shown.wait_for(timeout=TIMEOUT_MS)
    code = code_shown.inner_text().strip()
    no_traceback(liaison)
    shot(liaison, "county_zero_liaison_reported")

    # 5. the center's clerk (an account of the workbook) changes the first password, drafts the case
    #    to the water bureau the category suggests, and dispatches it
    clerk = browser.new_page(viewport={"width": 1280, "height": 1400})
    first_sign_in(clerk, url, "yx_zhongxin", passwords["yx_zhongxin"], "Zhoumin-own-2026")
    clerk.goto(f"{url}/case?code={code}")
    clerk.get_by_text(code).first.wait_for(timeout=TIMEOUT_MS)
    clerk.get_by_text("拟办", exact=True).first.click()
    # the category comes suggested from the text, its default tier and unit from the workbook
    assert clerk.get_by_label("诉求类别 *").filter(visible=True).first.input_value() == "饮水"
    assert clerk.get_by_label("办理层级 *").filter(visible=True).first.input_value() == "领导直接处理"
    assert clerk.get_by_label("承办单位").filter(visible=True).first.input_value() == "县水务局"
    pick(clerk, "缓急 *", "急事急办")
    clerk.get_by_role("button", name="拟办").click()
    clerk.get_by_text("已拟办").first.wait_for(timeout=TIMEOUT_MS)
    settle(clerk)  # the draft's rerun still drawing would swallow the clicks below
    clerk.get_by_text("交办", exact=True).first.click()  # the clerk's word for the step a leader calls 下单批示
    settle(clerk)
    clerk.get_by_role("button", name="交办").click()
    clerk.get_by_text("已交办").first.wait_for(timeout=TIMEOUT_MS)
    no_traceback(clerk)
    shot(clerk, "county_zero_clerk_dispatched")

    from sqlmodel import Session, select

    from core.db import make_engine
    from core.models import Case, CaseStatus, Liaison, Unit
    engine = make_engine(county["database"])
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.tracking_code == code)).one()
        listed = s.exec(select(Liaison).where(Liaison.appointment_no == "YX-2026-003")).one()
        assert case.status == CaseStatus.dispatched and case.due_at is not None
        assert s.get(Unit, case.unit_id).name == "县水务局"  # the category's default unit, from the workbook
        assert case.liaison_id == listed.id and listed.user_id is not None  # the account took over the record
    engine.dispose()
