from datetime import date, datetime

from sqlmodel import Session, func, select

from core import auth
from core.db import make_engine
from core.models import Case, User
from core.settings import load_settings
from core.startup import ensure_ready

NOW = datetime(2026, 11, 21, 9, 0)
KEY = "k" * 40


def settings(tmp_path, **env):
    return load_settings(env=env, secrets_path=tmp_path / "none.toml")


def test_production_first_start_uses_env_password_and_no_demo(empty_url, tmp_path):
    engine = make_engine(empty_url)
    said = []
    outcome = ensure_ready(engine, settings(tmp_path, MQT_MODE="production", MQT_COOKIE_KEY=KEY,
                                            MQT_ADMIN_PASSWORD="s3cret-admin"),
                           today=NOW.date(), now=NOW, echo=said.append)
    assert outcome == "admin_created"
    assert not any("s3cret-admin" in line for line in said)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 0
        admin = s.exec(select(User)).one()
        assert auth.verify_password("s3cret-admin", admin.password_hash)
        assert auth.roles_of(s, admin.id) == {"admin"}
    assert ensure_ready(engine, settings(tmp_path, MQT_MODE="production", MQT_COOKIE_KEY=KEY),
                        today=NOW.date(), now=NOW, echo=said.append) == "ready"


def test_production_generates_a_password_printed_once(empty_url, tmp_path):
    engine = make_engine(empty_url)
    said = []
    ensure_ready(engine, settings(tmp_path, MQT_MODE="production", MQT_COOKIE_KEY=KEY),
                 today=NOW.date(), now=NOW, echo=said.append)
    line = next(line for line in said if "password:" in line)
    password = line.rsplit("password: ", 1)[1].strip()
    with Session(engine) as s:
        admin = s.exec(select(User)).one()
        assert auth.verify_password(password, admin.password_hash) and admin.must_change_password
    said.clear()
    ensure_ready(engine, settings(tmp_path, MQT_MODE="production", MQT_COOKIE_KEY=KEY),
                 today=NOW.date(), now=NOW, echo=said.append)
    assert said == []


def test_demo_mode_fills_an_empty_database(empty_url, tmp_path):
    engine = make_engine(empty_url)
    assert ensure_ready(engine, settings(tmp_path), today=date(2026, 11, 21), now=NOW, echo=lambda _: None) == "demo_loaded"
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 2000
    assert ensure_ready(engine, settings(tmp_path), today=date(2026, 11, 21), now=NOW, echo=lambda _: None) == "ready"
