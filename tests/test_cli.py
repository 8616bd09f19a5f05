import os
import subprocess
import sys

from sqlmodel import Session, func, select

from core import auth
from core.db import current_revision, head_revision, make_engine
from core.models import Case, User
from tests.conftest import ROOT


def cli(*args, url=None, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MQT_")} | env
    if url:
        environment["DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_init_then_demo_then_user_commands(empty_url):
    done = cli("init", url=empty_url)
    assert done.returncode == 0, done.stderr
    engine = make_engine(empty_url)
    assert current_revision(engine) == head_revision()
    done = cli("demo", "--cases", "50", "--seed", "3", "--today", "2026-11-21", url=empty_url)
    assert done.returncode == 0, done.stderr
    assert "50 cases" in done.stdout
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 50
    again = cli("demo", "--cases", "5", url=empty_url)
    assert again.returncode == 2 and "already holds data" in again.stderr
    added = cli("user", "add", "newclerk", "--role", "clerk", "--name", "新值班员", url=empty_url)
    assert added.returncode == 0, added.stderr
    password = added.stdout.rsplit(": ", 1)[1].strip()
    with Session(engine) as s:
        row = s.exec(select(User).where(User.username == "newclerk")).one()
        assert auth.verify_password(password, row.password_hash)
    dup = cli("user", "add", "newclerk", "--role", "clerk", url=empty_url)
    assert dup.returncode == 2 and "taken" in dup.stderr
    handler = cli("user", "add", "handler1", "--role", "unit_handler", url=empty_url)
    assert handler.returncode == 2 and "unit" in handler.stderr
    handler = cli("user", "add", "handler1", "--role", "unit_handler", "--unit", "WJ", "--password", "password123",
                  url=empty_url)
    assert handler.returncode == 0, handler.stderr
    reset = cli("user", "reset-password", "handler1", "--password", "another-pass1", url=empty_url)
    assert reset.returncode == 0
    with Session(engine) as s:
        row = s.exec(select(User).where(User.username == "handler1")).one()
        assert auth.verify_password("another-pass1", row.password_hash) and row.must_change_password


def test_bad_database_url_exits_non_zero_with_message():
    done = cli("init", url="mysql://nobody@localhost/nothing")
    assert done.returncode == 2
    assert "Unsupported database" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_settings_exit_non_zero(empty_url):
    done = cli("init", url=empty_url, MQT_MODE="production")
    assert done.returncode == 2 and "MQT_COOKIE_KEY" in done.stderr
