from datetime import date, datetime

import pytest
from sqlmodel import Session, func, select

from core import auth, demo
from core.db import make_engine, migrate
from core.models import AppSetting, Case, User
from core.settings import SettingsError, load_settings
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


def test_demo_mode_refuses_a_real_countys_database(empty_url, tmp_path):
    """Demo mode signs cookies with the public example key: a county's database is never served by it."""
    engine = make_engine(empty_url)
    ensure_ready(engine, settings(tmp_path, MQT_MODE="production", MQT_COOKIE_KEY=KEY, MQT_ADMIN_PASSWORD="s3cret-admin"),
                 today=NOW.date(), now=NOW, echo=lambda _: None)
    with pytest.raises(SettingsError, match="MQT_MODE=production"):
        ensure_ready(engine, settings(tmp_path), today=NOW.date(), now=NOW, echo=lambda _: None)


def test_production_refuses_the_demo_password_and_demo_mode_keeps_its_own_database(empty_url, tmp_path):
    engine = make_engine(empty_url)
    migrate(engine)
    demo.load_demo(engine, cases=20, today=NOW.date())
    assert ensure_ready(engine, settings(tmp_path), today=NOW.date(), now=NOW, echo=lambda _: None) == "ready"
    with Session(engine) as s:  # a demo database made before the marker existed is still known by its clerk
        s.delete(s.get(AppSetting, demo.MARKER))
        s.commit()
    assert ensure_ready(engine, settings(tmp_path), today=NOW.date(), now=NOW, echo=lambda _: None) == "ready"
    production = settings(tmp_path, MQT_MODE="production", MQT_COOKIE_KEY=KEY)
    with pytest.raises(SettingsError, match="public demo password: admin, clerk"):
        ensure_ready(engine, production, today=NOW.date(), now=NOW, echo=lambda _: None)
    with Session(engine) as s:  # once every demo password is changed, production may serve it
        for user in s.exec(select(User)).all():
            user.password_hash = auth.hash_password("another-pass-1")
        s.commit()
    assert ensure_ready(engine, production, today=NOW.date(), now=NOW, echo=lambda _: None) == "ready"
