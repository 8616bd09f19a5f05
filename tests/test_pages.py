"""AppTest: every page renders for every role that may open it, a role cannot reach another
role's page (neither through the menu nor by running the file), and sign-in works."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import auth, labels, ui
from core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from core.models import Role
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
# one demo account per role, each holding only that role
ACCOUNT_BY_ROLE = {next(iter(a.roles)): a.username for a in DEMO_ACCOUNTS if len(a.roles) == 1}


@pytest.fixture(autouse=True)
def demo_database(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.delenv("MQT_MODE", raising=False)


def signed_in(path: str, username: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(path, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["app_lang"] = lang
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


CELLS = [(role, page) for role in Role for page in auth.PAGES if role in page.roles]


@pytest.mark.parametrize("role,page", CELLS, ids=[f"{r.value}-{p.key}" for r, p in CELLS])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_for_every_role(role, page, lang):
    at = signed_in(APP, ACCOUNT_BY_ROLE[role], lang)
    at.run()
    at.switch_page(page.path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert labels.page_title(page.key, lang) in titles(at)
    assert errors(at) == []


DENIED = [(role, page) for role in Role for page in auth.PAGES if role not in page.roles]


@pytest.mark.parametrize("role,page", DENIED, ids=[f"{r.value}-{p.key}" for r, p in DENIED])
def test_role_cannot_reach_another_roles_page(role, page):
    at = signed_in(APP, ACCOUNT_BY_ROLE[role])
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page.path)  # the role's navigation does not register the page at all
    direct = signed_in(str(ROOT / page.path), ACCOUNT_BY_ROLE[role])
    direct.run()
    assert labels.t("guard.denied") in errors(direct)  # and the page refuses when run anyway
    assert labels.page_title(page.key) not in titles(direct)
    assert not direct.dataframe


def test_signed_out_page_shows_login_and_demo_accounts():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert labels.t("demo.banner") in [w.value for w in at.warning]
    usernames = set(at.dataframe[0].value[labels.t("demo.col.username")])
    assert {"admin", "clerk", "leader", "liaison", "unit_health", "supervisor"} <= usernames
    assert labels.page_title("home") not in titles(at)


def login(at: AppTest, username: str, password: str) -> AppTest:
    fields = {t.label: t for t in at.text_input}
    fields[labels.t("login.username")].input(username)
    fields[labels.t("login.password")].input(password)
    next(b for b in at.button if b.label == labels.t("login.submit")).click()
    at.run()
    return at.run()


def test_login_with_demo_account_lands_on_home():
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "clerk", DEMO_PASSWORD)
    assert not at.exception
    assert at.session_state["authentication_status"] is True
    assert labels.page_title("home") in titles(at)
    assert labels.t("queue.to_draft") in [m.label for m in at.metric]


def test_wrong_password_is_refused_with_a_message():
    at = login(AppTest.from_file(APP, default_timeout=60).run(), "clerk", "not-the-password")
    assert at.session_state["authentication_status"] is False
    assert labels.t("error.sign_in_failed") in errors(at)
    assert labels.page_title("home") not in titles(at)


def test_unknown_or_disabled_user_session_is_not_trusted():
    at = signed_in(APP, "ghost")
    at.run()
    assert labels.t("guard.session_ended") in [w.value for w in at.warning]
    assert labels.page_title("home") not in titles(at)
    assert at.session_state["authentication_status"] is None  # the sign-in form again


def test_a_session_from_before_a_sign_out_elsewhere_ends(monkeypatch):
    at = signed_in(APP, "leader")
    at.session_state["auth_version"] = -1  # the account's sessions moved on since this one began
    at.run()
    assert labels.t("guard.session_ended") in [w.value for w in at.warning]
    assert labels.page_title("home") not in titles(at)


def test_ledger_masks_personal_data_for_leaders():
    leader = signed_in(str(ROOT / "pages/ledger.py"), "leader").run()
    clerk = signed_in(str(ROOT / "pages/ledger.py"), "clerk").run()
    assert labels.t("col.phone") not in leader.dataframe[0].value.columns
    phones = clerk.dataframe[0].value[labels.t("col.phone")]
    assert phones.str.fullmatch(r"170\d{8}").all()


def test_unit_handler_ledger_shows_only_their_unit():
    at = signed_in(str(ROOT / "pages/ledger.py"), "unit_health").run()
    units = set(at.dataframe[0].value[labels.t("col.unit")])
    assert units == {"县卫生健康局"}


def test_admin_create_user_rejection_keeps_what_was_typed_and_success_empties_the_form(tmp_path, monkeypatch):
    from core import demo
    from core.db import make_engine, migrate
    from tests.conftest import DEMO_TODAY, new_database_url
    url = new_database_url(tmp_path)
    engine = make_engine(url)
    migrate(engine)
    demo.load_demo(engine, cases=5, today=DEMO_TODAY)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = signed_in(str(ROOT / "pages/users.py"), "admin").run()
    at.text_input(key="users_new_username_0").input("New_Clerk")
    at.text_input(key="users_new_name_0").input("新值班员")
    at.text_input(key="users_new_password_0").input("short")
    at.multiselect(key="users_new_roles_0").select("clerk")
    at.button[0].click().run()
    assert labels.t("error.password_short", n=8) in errors(at)
    assert at.text_input(key="users_new_username_0").value == "New_Clerk"
    assert at.text_input(key="users_new_name_0").value == "新值班员"
    at.text_input(key="users_new_password_0").input("long-enough-1")
    at.button[0].click().run()
    assert not errors(at)
    assert labels.t("users.created", username="new_clerk") in [m.value for m in at.success]
    assert "new_clerk" in set(at.dataframe[0].value[labels.t("col.username")])  # the table lists it at once
    assert at.text_input(key="users_new_username_1").value == ""  # and the form is empty for the next one


def test_admin_sets_a_county_wide_time_limit_on_the_limits_page(tmp_path, monkeypatch):
    from sqlmodel import Session
    from core import limits
    from core.db import make_engine, migrate
    from core.models import Tier
    from tests.conftest import DEMO_TODAY, new_database_url
    url = new_database_url(tmp_path)
    engine = make_engine(url)
    migrate(engine)
    from core import demo
    demo.load_demo(engine, cases=20, today=DEMO_TODAY)
    monkeypatch.setenv("DATABASE_URL", url)
    at = signed_in(str(ROOT / "pages/limits.py"), "admin").run()
    at.selectbox(key="limits_tier").select("unit")
    at.number_input(key="limits_days").set_value(5)
    next(b for b in at.button if b.label == labels.t("limits.save")).click().run()
    assert not at.exception
    assert labels.t("limits.saved") in [m.value for m in at.success]
    with Session(engine) as s:
        assert limits.working_days_for(s, category_id=None, tier=Tier.unit) == 5
    engine.dispose()


def test_typed_text_is_shown_as_text_never_as_markdown():
    from core import ui
    for hostile in ["[点我](http://evil.example)", "www.evil.example", "$\\int x$", "**粗体** _斜体_", "<b>x</b>",
                    "# 标题", "`代码`", "![图](http://evil.example/x.png)"]:
        shown = ui.md(hostile)
        assert "](" not in shown and "http://" not in shown and "www." not in shown
        assert not any(c in shown.replace("\\" + c, "") for c in "$*_<`#[")  # every one escaped
        assert shown.replace("\\", "") == hostile.replace("\\", "")  # and nothing lost


def test_a_failing_page_shows_an_incident_number_and_logs_the_traceback_not_the_visitor(monkeypatch, caplog):
    """An anonymous visitor of /progress saw SQL and server paths in the traceback."""
    monkeypatch.delenv("MQT_SHOW_ERRORS")

    def failing_page():
        from core import ui

        def lookup():
            raise RuntimeError('SELECT reporter_phone FROM "case" -- /srv/minqingtong/core/intake.py')
        ui.guarded(lookup)

    with caplog.at_level("ERROR", logger="minqingtong"):
        at = AppTest.from_function(failing_page, default_timeout=30).run()
    assert not at.exception
    [shown] = errors(at)
    assert "SELECT" not in shown and "/srv" not in shown
    incident = shown.split("事件编号 ")[1].split(" ")[0]
    assert len(incident) == 8
    [record] = [r for r in caplog.records if incident in r.getMessage()]
    assert "reporter_phone" in record.exc_text or "reporter_phone" in str(record.exc_info[1])


def test_a_locked_database_is_said_plainly(monkeypatch):
    monkeypatch.delenv("MQT_SHOW_ERRORS")

    def busy_page():
        import sqlalchemy as sa

        from core import ui

        def save():
            raise sa.exc.OperationalError("UPDATE \"case\" SET …", {}, Exception("database is locked"))
        ui.guarded(save)

    at = AppTest.from_function(busy_page, default_timeout=30).run()
    assert errors(at) == [labels.t("error.database_busy")]


def test_streamlit_itself_shows_no_error_details_outside_tests():
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_a_message_flashed_with_a_renewed_cookie_outlives_the_cookie_reruns():
    """The password change's "saved" must not vanish with the reruns the cookie component starts
    (one or two, when the browser answers): it stays for FLASH_HOLD_SECONDS, then goes."""
    at = signed_in(str(ROOT / "pages/home.py"), "clerk")
    at.session_state[ui.FLASH] = [("success", "密码已修改", None)]
    at.session_state[ui.KEEP_FLASH] = True  # what ui.renew_cookie sets when it writes the new cookie
    shown = []
    for _run in range(3):
        at.run()
        shown.append("密码已修改" in [m.value for m in at.success])
    assert shown == [True, True, True]  # the run that wrote the cookie and its reruns
    at.session_state[ui.FLASH_UNTIL] = 0.0  # the hold is over: the next run is the user's own
    at.run()
    assert "密码已修改" not in [m.value for m in at.success]
    at.run()
    assert "密码已修改" not in [m.value for m in at.success]


def test_a_flashed_message_shows_on_one_run_only():
    at = signed_in(str(ROOT / "pages/home.py"), "clerk")
    at.session_state[ui.FLASH] = [("success", "已保存", None)]
    at.run()
    assert "已保存" in [m.value for m in at.success]
    at.run()
    assert "已保存" not in [m.value for m in at.success]


def test_ledger_pages_forward_and_back_with_the_total_counted_once(monkeypatch):
    at = signed_in(str(ROOT / "pages/ledger.py"), "clerk").run()
    first = list(at.dataframe[0].value[labels.t("col.tracking_code")])
    total = at.session_state["ledger_total"]
    assert total > 50 and len(first) == 50
    assert labels.t("ledger.page_of", page=1, pages=-(-total // 50)) in [c.value for c in at.caption]
    from core import ledger
    monkeypatch.setattr(ledger, "count_cases", lambda *a, **k: pytest.fail("a page turn recounted"))
    at.button(key="ledger_next").click().run()
    second = list(at.dataframe[0].value[labels.t("col.tracking_code")])
    assert not set(first) & set(second) and len(second) == min(50, total - 50)
    assert labels.t("ledger.page_of", page=2, pages=-(-total // 50)) in [c.value for c in at.caption]
    at.button(key="ledger_previous").click().run()
    assert list(at.dataframe[0].value[labels.t("col.tracking_code")]) == first


def test_ledger_search_counts_again_when_the_words_change():
    at = signed_in(str(ROOT / "pages/ledger.py"), "clerk").run()
    everything = at.session_state["ledger_total"]
    at.text_input(key="ledger_text").input("漏水").run()
    found = at.dataframe[0].value
    assert 0 < at.session_state["ledger_total"] < everything
    assert len(found) == min(50, at.session_state["ledger_total"])
    assert found[labels.t("col.title")].str.contains("漏水").all() or len(found) == 0
