"""Browser tests in headless Debian Chromium against `streamlit run app.py` on a fresh, empty
database: first start fills the demo county, a demo account signs in, the cookie survives a
reload, the English switch works, a deep link to another role's page is refused.
Helpers and the screenshot folder are in tests/e2e/conftest.py."""
from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import (AUTH_COOKIE, TIMEOUT_MS, no_traceback, open_as, settle, shot, sign_in, streamlit_server,
                                wait_for_cookie)

DATABASE: dict[str, str] = {}  # the server's database, for tests that look a case up


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("e2e")) as (url, database):
        DATABASE["url"] = database
        yield url


def test_first_start_shows_login_with_demo_accounts(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    started = time.monotonic()
    page.goto(server)
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=TIMEOUT_MS)
    assert time.monotonic() - started < 60
    page.get_by_text("演示数据").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("演示账户").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "login")
    page.close()


def test_clerk_signs_in_sees_home_survives_reload_and_switches_to_english(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "clerk")
    page.get_by_text("待拟办").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "home_clerk")
    page.reload()
    page.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS)  # the cookie kept the session
    page.get_by_text("English").first.click()
    page.get_by_role("heading", name="My desk").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("中文").first.click()
    page.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS)
    page.goto(f"{server}/ledger")
    page.get_by_role("heading", name="民情台账").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "ledger_clerk")
    page.close()


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(server, browser):
    """#14: a cookie copied before sign-out (or a password reset) still signed in."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "supervisor")
    wait_for_cookie(page)
    copied = [c for c in page.context.cookies() if c["name"] == AUTH_COOKIE]
    stolen = browser.new_page(viewport={"width": 1280, "height": 900})  # another browser: its own cookie jar
    stolen.context.add_cookies(copied)
    stolen.goto(f"{server}/home")
    stolen.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS)  # the copy works while signed in
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=TIMEOUT_MS)
    stolen.goto(f"{server}/home")
    stolen.get_by_role("button", name="登录", exact=True).wait_for(timeout=TIMEOUT_MS)
    settle(stolen)
    assert stolen.get_by_role("heading", name="工作台").count() == 0
    no_traceback(stolen)
    page.close()
    stolen.close()


def test_deep_link_to_another_roles_page_lands_on_home(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server, "leader")
    shot(page, "home_leader")
    page.goto(f"{server}/users")
    page.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("heading", name="用户与角色").count() == 0
    page.close()


def test_clerk_drafts_two_cases_at_once_on_the_board(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    sign_in(page, server, "clerk")
    page.goto(f"{server}/board")
    page.get_by_role("heading", name="工作队列").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("批量处理").click()
    page.get_by_role("button", name="拟办").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    for row in (0, 1):  # the row-marker column of the first two rows
        page.mouse.click(grid["x"] + 15, grid["y"] + 55 + 35 * row)
        page.wait_for_timeout(500)
    for label, option in [("诉求类别 *", "饮水"), ("办理层级 *", "移交单位办理"), ("缓急 *", "易事即办"),
                          ("承办单位", "县水利局")]:
        page.get_by_label(label).last.click()
        page.keyboard.type(option)
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
    page.get_by_role("button", name="拟办").click()
    page.get_by_text("已处理 2 件。").wait_for(timeout=TIMEOUT_MS)
    shot(page, "board_bulk_draft")
    page.close()


@pytest.mark.parametrize("username,path,heading", [("leader", "desk", "领导批示台"), ("supervisor", "supervision", "督办室"),
                                                   ("unit_health", "board", "工作队列")])
def test_desks_render_in_the_browser(server, browser, username, path, heading):
    page = open_as(browser, server, username, path, heading, height=1400)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, f"{path}_{username}")
    page.close()


def test_a_resident_checks_progress_without_signing_in(server, browser):
    from sqlmodel import Session, select

    from core.db import make_engine
    from core.models import Case, CaseStatus
    page = browser.new_page(viewport={"width": 420, "height": 900})  # a phone
    page.goto(server)
    page.get_by_text("群众查询办理进度").first.wait_for(timeout=TIMEOUT_MS)
    engine = make_engine(DATABASE["url"])
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.status == CaseStatus.closed, Case.reporter_phone.is_not(None))
                      .order_by(Case.id)).first()
    engine.dispose()
    page.goto(f"{server}/progress")
    page.get_by_role("heading", name="办理进度查询").first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("button", name="登录", exact=True).count() == 0  # no sign-in form on the public page
    page.get_by_label("事项编号").fill(case.tracking_code)
    page.get_by_label("电话后四位").fill(case.reporter_phone[-4:])
    page.get_by_role("button", name="查询").click()
    page.get_by_text("已结案").first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text(case.reporter_name).count() == 0
    shot(page, "progress_public")
    page.close()


def test_reception_days_render_as_a_calendar_and_a_ledger(server, browser):
    page = open_as(browser, server, "clerk", "reception", "领导接访日", height=1300)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("月历", exact=True).click()
    page.locator("table.rc").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("table.rc .chip").count() > 5
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, "reception_calendar_clerk")
    page.goto(f"{server}/reception_ledger")
    page.get_by_role("heading", name="领导接访台账").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("来访与办理（一人一档）").wait_for(timeout=TIMEOUT_MS)
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, "reception_ledger_clerk")
    page.close()


def test_residents_read_reception_notices_without_signing_in(server, browser):
    page = browser.new_page(viewport={"width": 420, "height": 1200})  # a phone
    page.goto(server)
    page.get_by_text("领导接访预告").first.wait_for(timeout=TIMEOUT_MS)
    page.goto(f"{server}/notices")
    page.get_by_role("heading", name="接访预告").first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("button", name="登录", exact=True).count() == 0
    page.get_by_text("接访领导").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("下载可打印预告").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "notices_public")
    page.close()


def test_the_dashboard_refreshes_itself_and_has_a_big_screen_mode(server, browser):
    page = open_as(browser, server, "leader", "dashboard", "领导驾驶舱", width=1400, height=3000)
    page.get_by_text("四个100%").wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=TIMEOUT_MS)
    updated = page.get_by_text("每 30 秒自动刷新").first.inner_text()
    page.wait_for_function(  # the fragment reruns by itself and says when
        "before => [...document.querySelectorAll('p')].some(p => p.innerText.includes('每 30 秒自动刷新') && p.innerText !== before)",
        arg=updated, timeout=75_000)
    assert page.locator("[data-testid='stException']").count() == 0
    shot(page, "dashboard_leader")
    page.close()


def test_the_big_screen_is_a_dark_wall_that_survives_a_reload_and_turns_its_panels(server, browser):
    page = open_as(browser, server, "leader", "dashboard", "领导驾驶舱", width=1920, height=1080)
    page.get_by_text("大屏模式").click()
    page.wait_for_function("() => location.search.includes('big=1')", timeout=TIMEOUT_MS)
    page.reload()  # the wall screen comes back as it was
    page.get_by_text("四个100%").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert page.get_by_text("统计期间").count() == 0  # no filters
    assert page.get_by_role("button", name=re.compile("^查看")).count() == 0  # and nothing to click
    background = page.locator(".stApp").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert sum(int(v) for v in re.findall(r"\d+", background)[:3]) < 120, background  # dark
    panel = page.locator("h4").filter(has_text=re.compile("^按|排名")).first.inner_text()
    shot(page, "dashboard_big_screen")
    page.wait_for_function(  # at the next refresh (every 30 s) the next panel
        "panel => [...document.querySelectorAll('h4')].some(h => /^按|排名/.test(h.innerText) && h.innerText !== panel)",
        arg=panel, timeout=75_000)
    no_traceback(page)
    page.close()
