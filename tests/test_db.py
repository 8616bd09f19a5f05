from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from core import search
from core.models import CaseAction as A, CaseStatus as S
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
        # a household with a visit and a tag: later migrations rebuild the household table on SQLite,
        # which must not trip over the rows that refer to it
        conn.execute(sa.text("INSERT INTO unit (id, name, kind, sort_order, active) VALUES (1, '城关镇', 'township', 0, true)"))
        conn.execute(sa.text("INSERT INTO unit (id, name, kind, parent_id, sort_order, active) "
                             "VALUES (2, '东坪村', 'village', 1, 0, true)"))
        conn.execute(sa.text("INSERT INTO household (id, village_id, head_name, phone, address, members, notes) "
                             "VALUES (1, 2, '王芳', '17000000001', '东坪村1组', 3, '')"))
        conn.execute(sa.text("INSERT INTO householdtag (household_id, category) VALUES (1, 'poor')"))
        conn.execute(sa.text("INSERT INTO visit (household_id, visitor_name, visited_on, notes) "
                             "VALUES (1, '李明', '2026-11-19', '屋顶漏水')"))
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT tracking_code, misroute_count, circular_due FROM \"case\"")).one()
        household = conn.execute(sa.text("SELECT head_name, group_name, active FROM household")).one()
        visit = conn.execute(sa.text("SELECT household_id, notes, spot_check FROM visit")).one()
        tag = conn.execute(sa.text("SELECT household_id, category FROM householdtag")).one()
    assert (row[0], row[1], bool(row[2])) == ("MQ-2026-000001", 0, False)
    assert (household[0], household[1], bool(household[2])) == ("王芳", "", True)
    assert (visit[0], visit[1], bool(visit[2])) == (1, "屋顶漏水", False) and tuple(tag) == (1, "poor")
    if not ON_POSTGRES:  # foreign keys were off while migrating, and are on again for the app
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    from core import rollup  # the kept counts were filled by the migrations, each with its own columns
    with engine.connect() as conn:
        assert rollup.kept_rows(conn) == rollup.recomputed_rows(conn)
        assert conn.execute(sa.text("SELECT sum(received), sum(imported) FROM case_rollup WHERE span = 'day'")).one() == (1, 0)
    from core import search  # and the full-text index (0012) holds the cases that were there before it
    with engine.connect() as conn:
        assert search.count(conn, "c") == 1 and search.count(conn, "t") == 1 and search.count(conn, "x") == 0


def test_a_migration_that_fails_leaves_the_database_as_it_was(empty_url):
    """All migrations run in one transaction, on SQLite too (whose driver commits before DDL by
    default): one that fails half-way leaves the tables and the recorded revision as before."""
    from alembic import command
    from core.db import alembic_config
    engine = make_engine(empty_url)
    command.upgrade(alembic_config(engine), "0012")
    with engine.begin() as conn:  # in the way of 0013, which creates link_leader after other tables
        conn.execute(sa.text("CREATE TABLE panel_seat (x integer)"))
    with pytest.raises(Exception, match="panel_seat"):
        migrate(engine)
    assert current_revision(engine) == "0012"
    tables = set(sa.inspect(engine).get_table_names())
    assert "panel_seat" in tables and not tables & {"link_leader", "party_member", "panel_draw"}
    assert "group_name" not in {c["name"] for c in sa.inspect(engine).get_columns("household")}
    engine.dispose()


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


def _stored(connection, table, ids) -> list[tuple]:
    """The rows as the database keeps them (text, as SQLite or PostgreSQL renders each value), id
    and tracking code aside."""
    columns = [c for c in table.columns if c.name not in {"id", "tracking_code", "case_id"}]
    return [tuple(r) for r in connection.execute(
        sa.select(*[sa.cast(c, sa.Text) for c in columns]).where(table.c.id.in_(ids)).order_by(table.c.id))]


def test_bulk_insert_stores_rows_as_an_insert_does(world_session):
    from core.db import bulk_insert
    from core.models import Case, CaseEvent
    from tests.world import case_ready_for
    session, world = world_session
    originals = [case_ready_for(session, world, status).id for status in (S.received, S.closed, S.in_progress)]
    session.commit()
    cases, events = Case.__table__, CaseEvent.__table__
    connection = session.connection()
    case_rows = [dict(r._mapping) for r in connection.execute(sa.select(cases).where(cases.c.id.in_(originals)))]
    event_rows = [dict(r._mapping) for r in connection.execute(sa.select(events).where(events.c.case_id.in_(originals)))]

    def copy(tag: str, write) -> tuple[list[int], list[int]]:
        new_ids = {}
        for row in case_rows:
            values = {**row, "tracking_code": f"{tag}-{row['id']}"}
            del values["id"]
            write(cases, [values])
            new_ids[row["id"]] = connection.execute(
                sa.select(cases.c.id).where(cases.c.tracking_code == values["tracking_code"])).scalar_one()
        rows = [{k: v for k, v in {**r, "case_id": new_ids[r["case_id"]]}.items() if k != "id"} for r in event_rows]
        write(events, rows)
        return list(new_ids.values()), [r[0] for r in connection.execute(
            sa.select(events.c.id).where(events.c.case_id.in_(new_ids.values())).order_by(events.c.id))]

    by_insert = copy("A", lambda table, rows: connection.execute(table.insert(), rows))
    by_bulk = copy("B", lambda table, rows: bulk_insert(connection, table, rows))
    assert _stored(connection, cases, by_bulk[0]) == _stored(connection, cases, by_insert[0])
    assert _stored(connection, events, by_bulk[1]) == _stored(connection, events, by_insert[1])
    assert len(by_bulk[1]) == len(event_rows) > 0


def test_bulk_insert_drops_nul_bytes_and_refuses_what_it_cannot_store(world_session):
    from core.db import bulk_insert
    from core.models import CaseEvent
    session, world = world_session
    connection = session.connection()
    events = CaseEvent.__table__
    row = {"case_id": world.master_case_id, "at": datetime(2026, 11, 21, 9), "actor_name": "导\x00入",
           "actor_role": "clerk", "action": A.register, "to_status": S.received, "details": {"note": "a\x00b"}}
    later = {**row, "at": datetime(2026, 11, 21, 9, 30, 0, 250), "actor_name": "另一\x00人"}
    bulk_insert(connection, events, [row, dict(row), later])  # a column with one value throughout is prepared once
    stored = connection.execute(sa.select(events.c.actor_name, events.c.details, events.c.imported, events.c.at)
                                .where(events.c.case_id == world.master_case_id).order_by(events.c.id)).all()[-3:]
    assert [s.actor_name for s in stored] == ["导入", "导入", "另一人"] and stored[0].details == {"note": "ab"}
    assert [s.at for s in stored] == [row["at"], row["at"], later["at"]]
    assert stored[0].imported is False  # a column the rows do not name gets its default
    with pytest.raises(ValueError, match="no column"):
        bulk_insert(connection, events, [{**row, "colour": "red"}])


def test_the_newest_migration_goes_down_and_up_again(empty_url):
    from alembic import command

    from core.db import alembic_config
    engine = make_engine(empty_url)
    migrate(engine)
    head = head_revision()
    command.downgrade(alembic_config(engine), "-1")
    assert current_revision(engine) not in (None, head)
    command.upgrade(alembic_config(engine), "head")
    assert current_revision(engine) == head
    engine.dispose()


def test_bulk_writes_pause_the_garbage_collector_and_always_restore_it(engine):
    import gc

    from core.db import bulk_insert, without_gc
    from core.models import CaseEvent
    with engine.begin() as connection:
        with pytest.raises(ValueError, match="no column"):  # a failing bulk write gives it back too
            bulk_insert(connection, CaseEvent.__table__, [{"colour": "red"}])
    assert gc.isenabled()
    seen = []
    with without_gc():
        seen.append(gc.isenabled())
        with without_gc():  # nested: the outer pause still holds after the inner one ends
            pass
        seen.append(gc.isenabled())
    assert seen == [False, False] and gc.isenabled()


def test_by_ids_reads_a_run_of_ids_as_a_range_and_anything_else_as_a_list(world_session):
    from sqlmodel import select

    from core.db import by_ids
    from core.models import Case
    from tests.world import case_ready_for
    session, world = world_session
    ids = sorted(case_ready_for(session, world, S.received).id for _ in range(4))
    session.commit()
    assert ids[-1] - ids[0] + 1 == len(ids)
    gap = ids[:1] + ids[2:]
    for chosen, form in ((ids, "BETWEEN"), (ids[1:3] + ids[1:2], "BETWEEN"), (gap, "IN"), ([ids[0]], "BETWEEN")):
        clause = by_ids(Case.id, chosen)
        assert form in str(clause)
        assert sorted(session.exec(select(Case.id).where(clause)).all()) == sorted(set(chosen))
    assert session.exec(select(Case.id).where(by_ids(Case.id, []))).all() == []
    from core.db import id_chunks  # many ids: at most `size` a statement, sorted, each once
    chunks = list(id_chunks(Case.id, [ids[3], ids[0], ids[3], ids[1], ids[2]], size=3))
    assert ["BETWEEN" in str(c) for c in chunks] == [True, True]
    assert [session.exec(select(Case.id).where(c).order_by(Case.id)).all() for c in chunks] == [ids[:3], ids[3:]]
    assert list(id_chunks(Case.id, [])) == []
