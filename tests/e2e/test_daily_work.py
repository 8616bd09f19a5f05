"""Daily work without friction, in the browser on the demo county: the dashboard's figures open
their cases, a case opened again is current, a saved form cannot be sent twice (a reception
visitor; a ledger file imported again), a visitor recorded late is told the case is overdue, and
the liaison's phone flow (the report button, the village filled in, the menu closing, Chinese
uploader)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import ledger_io
from tests.e2e.conftest import TIMEOUT_MS, no_traceback, open_as, settle, shot, sign_in, streamlit_server

DATABASE: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("daily")) as (url, database):
        DATABASE["url"] = database
        yield url


def database():
    from sqlmodel import Session

    from core.db import make_engine
    engine = make_engine(DATABASE["url"])
    return engine, Session(engine)


def click_first_row(page, grid_index: int = 0, row: int = 0, x: int = 60) -> None:
    """A click on the first data cell of a row (the grid is drawn on a canvas), or at `x` (12: the
    row's selection box)."""
    grid = page.locator("[data-testid='stDataFrame']").nth(grid_index)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + 55 + 35 * row)


def test_a_figure_on_the_dashboard_opens_its_cases(server, browser):
    page = open_as(browser, server, "leader", "dashboard", "领导驾驶舱", width=1400, height=1400)
    page.get_by_text("四个100%").wait_for(timeout=TIMEOUT_MS)
    button = page.get_by_role("button", name=re.compile(r"^查看 [\d,]+ 件")).first
    count = re.search(r"[\d,]+", button.inner_text()).group(0)
    button.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=TIMEOUT_MS)
    dialog.get_by_text(f"共 {count} 件").first.wait_for(timeout=TIMEOUT_MS)
    dialog.locator("[data-testid='stDataFrame']").wait_for(timeout=TIMEOUT_MS)
    no_traceback(page)
    shot(page, "daily_dashboard_list")
    page.keyboard.press("Escape")  # closed, it stays closed through the next refresh
    dialog.wait_for(state="detached", timeout=TIMEOUT_MS)
    page.close()


def test_a_case_opened_again_is_current_and_a_row_click_opens_it(server, browser):
    from sqlmodel import select

    from core import auth, services
    from core.clock import local_now
    from core.models import Case, CaseStatus
    engine, s = database()
    with s:
        case = s.exec(select(Case).where(Case.status == CaseStatus.received).order_by(Case.id.desc())).first()
        code, case_id, version = case.tracking_code, case.id, case.version
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    sign_in(page, server, "clerk")
    page.goto(f"{server}/case?code={code}")
    page.get_by_text(code).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)  # a new browser session's cookie component reruns the page once; a click during it is lost
    menu = page.locator("[data-testid='stSidebarNav']")
    menu.get_by_role("link", name="民情台账").click()  # within the same session, by the menu
    page.get_by_role("heading", name="民情台账").first.wait_for(timeout=TIMEOUT_MS)
    with s:  # meanwhile the director explains and closes it
        services.explain_and_close(s, case_id=case_id, actor=auth.load_current_user(s, "director"), now=local_now(),
                                   expected_version=version, explanation="已向群众解释政策")
        s.commit()
    engine.dispose()
    menu.get_by_role("link", name="事项详情").click()  # back to it: the page is current, not "changed since"
    page.get_by_text("已向群众解释政策").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.get_by_text("已被他人更新").count() == 0
    shot(page, "daily_case_again")
    menu.get_by_role("link", name="民情台账").click()  # a click on any cell of a row opens that case
    page.get_by_role("heading", name="民情台账").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    click_first_row(page)
    page.get_by_role("heading", name="事项详情").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(re.compile(r"MQ-\d{4}-\d{6} · ")).first.wait_for(timeout=TIMEOUT_MS)
    no_traceback(page)
    page.close()


def test_a_late_visitor_is_recorded_once_and_told_the_case_is_overdue(server, browser):
    page = open_as(browser, server, "clerk", "reception", "领导接访日", height=2400)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    click_first_row(page)  # the month's first reception, more than a week ago
    page.get_by_text("登记来访群众").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("这次接访已过去").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("姓名").first.fill("钱大爷")
    page.get_by_label("联系电话").first.fill("13612345678")
    page.get_by_label("诉求", exact=True).first.fill("小区门口路灯坏了一个月，晚上出行不便")
    page.get_by_role("button", name="登记并立案").click()
    page.get_by_text("已计为超期").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.get_by_label("姓名").first.input_value() == ""  # a second click has nothing to record
    no_traceback(page)
    shot(page, "daily_late_visitor")
    from sqlmodel import func, select

    from core.models import ReceptionVisitor
    engine, s = database()
    with s:
        assert s.exec(select(func.count()).select_from(ReceptionVisitor)
                      .where(ReceptionVisitor.name == "钱大爷")).one() == 1
    engine.dispose()
    page.close()


def test_a_ledger_file_is_imported_once(server, browser, tmp_path):
    ledger = tmp_path / "old_ledger.csv"
    ledger.write_text("登记时间,渠道,乡镇,反映内容,反映人,阶段\n"
                      "2026-03-05 09:30,热线电话,,组里自来水停了三天,张三,已登记\n"
                      "2026-03-06 10:00,热线电话,,村口路灯坏了,李四,已登记\n", encoding="utf-8-sig")
    page = open_as(browser, server, "clerk", "import", "台账导入导出")
    page.locator("input[type=file]").first.set_input_files(str(ledger))
    page.get_by_role("button", name="导入 2 件事项").click()
    page.get_by_text("已导入 2 件").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.get_by_role("button", name="导入 2 件事项").count() == 0  # the uploader is empty again
    page.locator("input[type=file]").first.set_input_files(str(ledger))  # the same file, again
    page.get_by_text("已于").first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("button", name="导入 2 件事项").count() == 0
    no_traceback(page)
    shot(page, "daily_import_again")
    with page.expect_download(timeout=TIMEOUT_MS) as download:  # the file is made on the click
        page.get_by_role("button", name="导出全部台账").click()
    exported = ledger_io.read_table(Path(download.value.path()).read_bytes(), "ledger.xlsx")
    assert {"组里自来水停了三天", "村口路灯坏了"} <= {row["content"] for row in exported}
    assert download.value.suggested_filename.startswith("民情台账-")
    page.close()


def test_the_liaisons_phone_flow(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 1000}, is_mobile=True, has_touch=True)
    sign_in(page, server, "liaison")
    shot(page, "daily_phone_home")
    page.get_by_role("button", name="上报民情").click()
    page.get_by_role("heading", name="上报民情").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    township = page.get_by_label("乡镇（社区） *").filter(visible=True).first
    assert township.input_value() != ""  # the liaison's own village comes filled in
    assert page.get_by_label("村（社区）").filter(visible=True).first.input_value() != ""
    shown = page.locator("[data-testid='stFileUploaderDropzone'] button p").first.evaluate(
        "e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content]")
    assert shown == ["0px", '"选择文件"']  # Streamlit's own "Upload" and "200MB per file" are not shown
    size = page.locator("textarea").first.evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.rstrip("px")) >= 16  # smaller makes the phone zoom in
    page.get_by_label("反映人（受影响的群众） *").fill("王大伯")
    page.get_by_label("反映内容 *").fill("组里的自来水管破了，停水两天，请尽快修理。")
    page.get_by_label("反映内容 *").blur()
    page.wait_for_timeout(1000)
    shot(page, "daily_phone_report")
    page.get_by_role("button", name="提交上报").click()
    page.get_by_text(re.compile(r"MQ-\d{4}-\d{6}")).first.wait_for(timeout=TIMEOUT_MS)
    # the menu closes after a page is chosen on a phone
    page.locator("[data-testid='stExpandSidebarButton']").first.click()
    sidebar = page.locator("[data-testid='stSidebar']")
    page.get_by_role("link", name="工作台").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("link", name="工作台").first.click()
    page.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    assert sidebar.evaluate("e => e.getBoundingClientRect().right") <= 1  # slid away, the page is readable
    no_traceback(page)
    shot(page, "daily_phone_after_menu")
    page.close()


def test_english_is_kept_across_a_reload_and_names_categories_in_english(server, browser):
    from sqlmodel import select

    from core.models import Category
    page = open_as(browser, server, "leader", "dashboard", "领导驾驶舱", width=1366, height=2600)
    engine, s = database()
    with s:
        names = s.exec(select(Category.name_zh, Category.name_en)).all()
    engine.dispose()
    page.get_by_text("English").first.click()
    page.get_by_role("heading", name="Leaders' dashboard").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => location.search.includes('lang=en')", timeout=TIMEOUT_MS)
    page.reload()  # the choice survives a reload
    page.get_by_role("heading", name="Leaders' dashboard").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    table = page.locator("[data-testid='stDataFrame']").first
    table.scroll_into_view_if_needed()
    table.locator("td").first.wait_for(state="attached", timeout=TIMEOUT_MS)  # the grid draws its cells late
    alerts = table.locator("td").all_text_contents()
    assert set(alerts) & {en for _zh, en in names}  # the alerts name their categories in English
    assert not set(alerts) & {zh for zh, _en in names}
    no_traceback(page)
    shot(page, "daily_dashboard_english")
    page.close()


def test_a_liaison_records_a_visit_and_makes_it_a_case(server, browser):
    page = open_as(browser, server, "liaison", "households", "一户一档", width=1300, height=1500)
    settle(page)
    click_first_row(page, x=12)
    page.get_by_role("heading", name="民情日记").wait_for(timeout=TIMEOUT_MS)
    heard = "老人说门前排水沟堵了，下雨就漫到院子里，希望村里清一清。"
    page.get_by_label("走访情况（听到了什么） *").fill(heard)
    page.get_by_role("button", name="记一次走访").click()
    page.get_by_text("走访已记入民情日记").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    page.get_by_text(heard).first.wait_for(timeout=TIMEOUT_MS)  # newest first: its button is the first
    page.get_by_role("button", name="转为事项").first.click()
    page.get_by_text(re.compile(r"已登记为事项 MQ-\d{4}-\d+")).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    no_traceback(page)
    code = re.search(r"MQ-\d{4}-\d+", page.get_by_text(re.compile(r"已转为事项 MQ-")).first.inner_text()).group(0)
    shot(page, "household_diary")
    engine, session = database()
    from sqlmodel import select

    from core.models import Case, Channel, Visit
    with session:
        case = session.exec(select(Case).where(Case.tracking_code == code)).one()
        visit = session.exec(select(Visit).where(Visit.case_id == case.id)).one()
        assert case.channel == Channel.visit and heard in case.content and visit.notes == heard
    engine.dispose()
    page.close()
