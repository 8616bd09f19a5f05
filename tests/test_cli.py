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


def test_a_database_locked_by_another_writer_is_retried_then_said_plainly(tmp_path, monkeypatch, capsys):
    """Longer than the busy timeout under another writer, the CLI printed a traceback."""
    import sqlite3

    from core import cli as cli_module, db
    from core.db import migrate
    path = tmp_path / "busy.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s:
        auth.create_user(s, actor=None, username="clerk1", display_name="值班员", password="password123",
                         roles={auth.Role.clerk}, now=auth.datetime(2026, 11, 21))
        s.commit()
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(cli_module, "BUSY_RETRIES", (0.01, 0.01))
    other_writer = sqlite3.connect(path, isolation_level=None)
    other_writer.execute("BEGIN EXCLUSIVE")
    reset = ["user", "reset-password", "clerk1", "--password", "Another-pass-9"]
    assert cli_module.main(reset) == 75
    said = capsys.readouterr().err
    assert "stayed busy" in said and "nothing was changed" in said and "Traceback" not in said
    assert said.count("trying again") == 2

    monkeypatch.setattr(cli_module.time, "sleep", lambda _s: other_writer.execute("ROLLBACK"))  # the writer finishes
    assert cli_module.main(reset) == 0
    other_writer.close()
    with Session(make_engine(url)) as s:
        assert auth.verify_password("Another-pass-9", s.exec(select(User).where(User.username == "clerk1")).one().password_hash)
