"""Two app servers behind nginx, started by `python -m core.cluster up` (issue #15, item 5): a browser
stays on its replica, and a case filed through one replica shows on the other's dashboard within
its refresh. On CI's SQLite run the cluster makes its own PostgreSQL 15; on the PostgreSQL run it
uses a new database on the server under test."""
from __future__ import annotations

import random
import re
import shutil
import socket
import tempfile
import urllib.request
from pathlib import Path

import pytest

from core import cluster
from tests.conftest import ON_POSTGRES, new_database_url
from core.ui import COOKIE_NAME
from tests.e2e.conftest import TIMEOUT_MS, no_traceback, settle, shot, sign_in, wait_for_cookie
from tests.perf.load_cluster import cookies_for

if not Path(cluster.NGINX).exists():
    pytest.skip("nginx is not installed (apt-get install nginx-light); .ci/run installs it", allow_module_level=True)
if not ON_POSTGRES and not (cluster.PG_BIN / "initdb").exists():
    pytest.skip("PostgreSQL 15 is not installed; .ci/run installs it", allow_module_level=True)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_base_port(replicas: int) -> int:
    """nginx's port, with the replicas' (next ones) and PostgreSQL's (+100) free too."""
    while True:
        port = random.randrange(20_000, 40_000)
        if all(_free(p) for p in [*range(port, port + replicas + 1), port + 100]):
            return port


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory):
    # the cluster's own PostgreSQL runs as the postgres user, who cannot enter pytest's 0700 folders
    directory = Path(tempfile.mkdtemp(prefix="mqt-cluster-"))
    directory.chmod(0o755)
    database = new_database_url(tmp_path_factory.mktemp("cluster")) if ON_POSTGRES else None
    state = cluster.up(directory, port=free_base_port(2), replicas=2, database_url=database)
    yield state
    cluster.down(directory)
    assert not (directory / cluster.STATE_FILE).exists()
    shutil.rmtree(directory)


def replica_of(url: str, cookie: str | None = None) -> str:
    request = urllib.request.Request(f"{url}/_stcore/health",
                                     headers={"Cookie": f"{cluster.REPLICA_COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert any(re.match(rf"{cluster.REPLICA_COOKIE}=r\d;", c) for c in response.headers.get_all("Set-Cookie"))
        return response.headers["X-MQT-Replica"]


def test_new_browsers_are_spread_and_each_stays_on_its_replica(two_replicas):
    url = two_replicas["url"]
    assert {replica_of(url) for _ in range(30)} == {"r1", "r2"}  # 2^-29 to see one replica only by chance
    assert {replica_of(url, "r2") for _ in range(10)} == {"r2"}
    assert {replica_of(url, "r1") for _ in range(10)} == {"r1"}
    assert replica_of(url, "r9") in {"r1", "r2"}  # a replica that is gone: sent to one that is there


def pinned_page(browser, url: str, replica: str, **viewport):
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 2400})
    context.add_cookies([{"name": cluster.REPLICA_COOKIE, "value": replica, "url": url}])
    return context.new_page()


def received(page) -> int:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="受理事项").first
    return int(metric.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))


def test_a_case_filed_through_one_replica_shows_on_the_others_dashboard(two_replicas, browser):
    url = two_replicas["url"]
    # a resident's phone opens the public results board on a replica that has served no page yet:
    # the board, not Streamlit's list of every page file
    resident = pinned_page(browser, url, "r2", width=420, height=1400)
    resident.goto(f"{url}/public_board")
    resident.get_by_role("heading", name="办理结果公开栏").first.wait_for(timeout=TIMEOUT_MS)
    resident.locator("[data-testid='stMetric']").filter(has_text="办结率").first.wait_for(timeout=TIMEOUT_MS)
    settle(resident)
    assert resident.locator("[data-testid='stSidebarNav']").count() == 0
    no_traceback(resident)
    shot(resident, "public_board_phone")
    resident.context.close()

    # the leader's wall screen comes back on a replica that has served no page yet (as after a
    # restart): straight to /dashboard with the sign-in cookie it kept
    leader = pinned_page(browser, url, "r1")
    cookie = cookies_for(two_replicas["database"], ["leader"])["leader"]
    leader.context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": url}])
    leader.goto(f"{url}/dashboard")
    leader.get_by_text("四个100%").wait_for(timeout=TIMEOUT_MS)
    settle(leader)
    before = received(leader)

    liaison = pinned_page(browser, url, "r2", width=420, height=1100)
    sign_in(liaison, url, "liaison")
    wait_for_cookie(liaison)  # a deep link before the cookie is written lands on the sign-in page
    liaison.goto(f"{url}/report")
    liaison.get_by_role("heading", name="上报民情").first.wait_for(timeout=TIMEOUT_MS)
    # typing before the page's runs end lost the prefilled township once under load (the form was
    # refused for it): the cookie component's late rerun, as in every other browser test
    settle(liaison)
    liaison.get_by_label("反映人（受影响的群众） *").fill("二组 李大姐")
    liaison.get_by_label("联系电话").fill("13985107799")
    liaison.get_by_label("反映内容 *").fill("二组路口的路灯坏了一个多月，晚上出行不安全，请尽快修好。")
    liaison.get_by_role("button", name="提交上报").click()
    liaison.get_by_text(re.compile(r"^MQ-\d{4}-\d+$")).first.wait_for(timeout=TIMEOUT_MS)
    no_traceback(liaison)

    # the two pages were served by different processes, through nginx
    assert {c["value"] for c in leader.context.cookies() if c["name"] == cluster.REPLICA_COOKIE} == {"r1"}
    assert {c["value"] for c in liaison.context.cookies() if c["name"] == cluster.REPLICA_COOKIE} == {"r2"}
    # replica 1 shows it at its next refresh (every 30 s; a cached figure lives at most that long)
    leader.wait_for_function(
        """n => [...document.querySelectorAll("[data-testid='stMetric']")]
                 .some(m => m.innerText.includes('受理事项')
                       && Number(m.querySelector("[data-testid='stMetricValue']").innerText.replace(/,/g, '')) === n)""",
        arg=before + 1, timeout=75_000)
    no_traceback(leader)
    leader.context.close()
    liaison.context.close()
