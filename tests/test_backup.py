"""Backup and restore (`python -m core.cli backup PATH` / `restore PATH --replace`): a restore gives
back every row of every table, attachments included, onto the same or a new database — SQLite
here, PostgreSQL (pg_dump/pg_restore) in CI."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from core import auth, demo, intake
from core.cli import main as cli
from core.db import make_engine, migrate
from core.intake import Upload
from core.models import Attachment, Case, Channel, User
from tests.conftest import DEMO_NOW, DEMO_TODAY, ON_POSTGRES, new_database_url


def every_row(engine) -> dict[str, list[tuple]]:
    """Each table of the schema (and the schema version), its rows in primary-key order."""
    tables = [*SQLModel.metadata.sorted_tables, sa.table("alembic_version", sa.column("version_num"))]
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
            sa.select(table).order_by(*(table.primary_key.columns if getattr(table, "primary_key", None)
                                        else table.columns)))] for table in tables}


@pytest.fixture
def county(tmp_path):
    url = new_database_url(tmp_path)
    engine = make_engine(url)
    migrate(engine)
    demo.load_demo(engine, cases=40, today=DEMO_TODAY)
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "clerk")
        case = s.exec(select(Case).order_by(Case.id)).first()
        intake.add_attachments(s, actor=clerk, case_id=case.id, now=DEMO_NOW,
                               files=[Upload("现场.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)])
        s.commit()
    yield url, engine
    engine.dispose()


def test_restore_gives_back_every_row_of_every_table(county, tmp_path, capsys):
    url, engine = county
    before = every_row(engine)
    assert len(before["attachment"]) == 1 and before["case_event"] and before["user"]
    path = tmp_path / ("county.dump" if ON_POSTGRES else "county.db")
    assert cli(["--database-url", url, "backup", str(path)]) == 0
    said = capsys.readouterr().out
    assert "40 case(s), 1 attachment(s)" in said
    assert cli(["--database-url", url, "backup", str(path)]) == 2  # never overwrites
    assert "exists already" in capsys.readouterr().err

    with Session(engine) as s:  # the county works on after the backup
        clerk = auth.load_current_user(s, "clerk")
        intake.register_call(s, actor=clerk, now=DEMO_NOW, channel=Channel.hotline, caller="王五", address=None,
                             phone="13812345678", content="备份之后登记的事项")
        s.exec(select(User).where(User.username == "clerk")).one().display_name = "改过的名字"
        s.delete(s.exec(select(Attachment)).one())
        s.commit()
    assert every_row(engine) != before

    with pytest.raises(SystemExit, match="--replace"):
        cli(["--database-url", url, "restore", str(path)])
    assert cli(["--database-url", url, "restore", str(path), "--replace"]) == 0
    assert "40 case(s), 1 attachment(s)" in capsys.readouterr().out
    engine.dispose()
    assert every_row(engine) == before

    elsewhere = make_engine(new_database_url(tmp_path))  # a new machine: an empty database
    assert cli(["--database-url", str(elsewhere.url.render_as_string(hide_password=False)), "restore", str(path),
                "--replace"]) == 0
    assert every_row(elsewhere) == before
    elsewhere.dispose()


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(county, tmp_path, capsys):
    url, engine = county
    before = every_row(engine)
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"this is not a database backup" * 100)
    assert cli(["--database-url", url, "restore", str(bogus), "--replace"]) == 2
    assert "error:" in capsys.readouterr().err
    assert cli(["--database-url", url, "restore", str(tmp_path / "missing.db"), "--replace"]) == 2
    assert "no backup file" in capsys.readouterr().err
    engine.dispose()
    assert every_row(engine) == before
