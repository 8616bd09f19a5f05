"""What the browser tests share: a `streamlit run app.py` server on a new database, headless Debian
Chromium, screenshots, and the sign-in steps. Screenshots go to MQT_SCREENSHOT_DIR (default
tests/e2e/artifacts/, gitignored); the README's pictures are refreshed with
MQT_SCREENSHOT_DIR=tests/e2e/screenshots."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core import cluster
from tests.conftest import ROOT, new_database_url

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = ROOT / os.environ.get("MQT_SCREENSHOT_DIR", "tests/e2e/artifacts")
TIMEOUT_MS = 60_000
AUTH_COOKIE = "minqingtong_auth"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(tmp_dir: Path, **settings: str) -> Iterator[tuple[str, str]]:
    """`streamlit run app.py` on a new, empty database; yields (url, database url). `settings` are
    MQT_* variables (none set means demo mode); the server's start-up output goes to server.log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MQT_")} | settings
    env["DATABASE_URL"] = database = new_database_url(tmp_dir)
    log = open(tmp_dir / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        cluster.wait_healthy(url, 60)
    except cluster.ClusterError:
        proc.kill()
        pytest.fail(f"streamlit did not become healthy; see {log.name}")
    try:
        yield url, database
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "browser" in item.funcargs:
        # what each open page showed when the test failed, to see why without rerunning
        FAILED = ROOT / "tests/e2e/artifacts"
        FAILED.mkdir(parents=True, exist_ok=True)
        pages = [page for context in item.funcargs["browser"].contexts for page in context.pages]
        for i, page in enumerate(pages):
            try:
                page.screenshot(path=str(FAILED / f"FAILED_{item.name}_{i}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a closed page has nothing to show
                pass


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1200)  # let charts and tables finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fill_sign_in(page, url: str, username: str, password: str) -> None:
    """Types the credentials and presses 登录; the caller waits for what should follow."""
    page.goto(url)
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(2000)  # the cookie component's first answer reruns the page and resets the form
    page.get_by_role("textbox", name="用户名").fill(username)
    page.get_by_role("textbox", name="密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def wait_for_cookie(page) -> None:
    """The sign-in cookie is written by a component a moment after sign-in; deep links need it."""
    deadline = time.monotonic() + 20
    while not any(c["name"] == AUTH_COOKIE for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the sign-in cookie was never set"
        page.wait_for_timeout(200)


def sign_in(page, url: str, username: str, password: str = "demo1234") -> None:
    fill_sign_in(page, url, username, password)
    for _attempt in range(2):  # under load the cookie component's late rerun can swallow the first click
        try:
            page.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS // 3)
            break
        except playwright.Error:
            if page.get_by_role("button", name="登录", exact=True).count() == 0:
                raise
            settle(page)
            page.get_by_role("textbox", name="用户名").fill(username)
            page.get_by_role("textbox", name="密码").fill(password)
            page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("heading", name="工作台").first.wait_for(timeout=TIMEOUT_MS)
    wait_for_cookie(page)


def open_as(browser, url: str, username: str, path: str, heading: str, *, width: int = 1280, height: int = 1200):
    """A new page signed in as `username`, on `path`, once its heading shows."""
    page = browser.new_page(viewport={"width": width, "height": height})
    sign_in(page, url, username)
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", name=heading).first.wait_for(timeout=TIMEOUT_MS)
    return page


RUNNING_INDICATOR_DELAY_MS = 500  # the delay in Streamlit's StatusWidget before it shows a run


def settle(page) -> None:
    """Waits for the run to finish: during a rerun Streamlit keeps the last run's elements on screen,
    marked stale, next to the new ones. Streamlit shows its running indicator only once a run has
    gone on for 500 ms (RUNNING_INDICATOR_DELAY_MS), so it waits longer than that before looking."""
    page.wait_for_timeout(RUNNING_INDICATOR_DELAY_MS + 200)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')"
                           " && !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
                           " && !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')",
                           timeout=TIMEOUT_MS)


def no_traceback(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()
    assert page.get_by_text("事件编号").count() == 0, "a page failed: see the incident in server.log"
