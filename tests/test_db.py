import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from core import search
from core.db import DatabaseError, current_revision, head_revision, make_engine, migrate
from tests.conftest import ON_POSTGRES


def test_upgrade_from_empty_reaches_head(empty_url):
    engine = make_engine(empty_url)
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"unit", "user", "userrole", "case", "case_event", "receptionrule", "receptionday",
            "household", "visit", "liaison", "leader", "category"} <= tables
    migrate(engine)  # a second start is a no-op
    assert current_revision(engine) == head_revision()


def test_migrations_match_the_models(engine):
    """A model change without a migration fails here."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": (
            lambda name, _type, _parent: not search.owns(name))})  # as core/migrations/env.py compares
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas only apply to the embedded default")
def test_sqlite_pragmas(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_foreign_keys_enforced(engine):
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (name, kind, parent_id, sort_order, active) "
                                 "VALUES ('x', 'village', 987654, 0, true)"))


def test_bad_urls_give_clear_errors():
    with pytest.raises(DatabaseError, match="not a valid database URL"):
        make_engine("nonsense")
    with pytest.raises(DatabaseError, match="Unsupported database"):
        make_engine("mysql://localhost/x")


def test_unreachable_postgres_is_a_database_error():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseError, match="Cannot reach"):
        migrate(engine)


def test_upgrade_keeps_existing_cases(empty_url):
    """A database created at the first schema, with a case in it, upgrades to head in place."""
    from alembic import command
    from core.db import alembic_config
    engine = make_engine(empty_url)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO \"case\" (tracking_code, channel, status, title, content, affected_count, is_urgent, is_major, "
            "on_supervision_register, received_at, return_count, consecutive_returns, imported, version) VALUES "
            "('MQ-2026-000001', 'hotline', 'received', 't', 'c', 1, false, false, false, '2026-11-20 10:00:00', 0, 0, "
            "false, 1)"))
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT tracking_code, misroute_count, circular_due FROM \"case\"")).one()
    assert (row[0], row[1], bool(row[2])) == ("MQ-2026-000001", 0, False)
    from core import rollup  # the kept counts were filled by the migrations, each with its own columns
    with engine.connect() as conn:
        assert rollup.kept_rows(conn) == rollup.recomputed_rows(conn)
        assert conn.execute(sa.text("SELECT sum(received), sum(imported) FROM case_rollup WHERE span = 'day'")).one() == (1, 0)
    from core import search  # and the full-text index (0012) holds the cases that were there before it
    with engine.connect() as conn:
        assert search.count(conn, "c") == 1 and search.count(conn, "t") == 1 and search.count(conn, "x") == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="several app servers share one PostgreSQL database; the embedded "
                    "SQLite default has one server (CI's PostgreSQL run does this for real)")
def test_app_servers_starting_at_once_migrate_once(empty_url):
    """Each replica migrates on start: three at once on an empty database must all succeed, with the
    migrations run by exactly one of them (the others wait on the lock and find the schema at head)."""
    import subprocess
    import sys

    from tests.conftest import ROOT
    starts = [subprocess.Popen([sys.executable, "-m", "core.cli", "--database-url", empty_url, "init"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
              for _ in range(3)]
    outputs = [(p.wait(timeout=300), p.stdout.read()) for p in starts]
    assert [code for code, _ in outputs] == [0, 0, 0], outputs
    engine = make_engine(empty_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    engine.dispose()
