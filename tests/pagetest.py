"""Shared ground of the AppTest page modules: a module's own small demo county, a page opened as
a signed-in demo account (or signed out), a button by its label."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core import demo
from core.db import make_engine, migrate
from tests.conftest import DEMO_TODAY, ROOT, new_database_url


def demo_database(tmp_path_factory, name: str, cases: int = 300, today=DEMO_TODAY):
    """Yield (url, engine) of a new demo county for one test module (its tests may write). Pages read
    the wall clock: a module whose pages look at a window around now (the week's re-reports, this
    quarter) asks for a county made today (`today=local_now().date()`), as the app makes it on its
    first start; a county made on a fixed day drifts out of such windows as days pass."""
    url = new_database_url(tmp_path_factory.mktemp(name))
    engine = make_engine(url)
    migrate(engine)
    demo.load_demo(engine, cases=cases, today=today)
    yield url, engine
    engine.dispose()


def open_page(name: str, username: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / f"pages/{name}.py"), default_timeout=60)
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
        at.session_state["username"] = username
    return at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label.startswith(label))
