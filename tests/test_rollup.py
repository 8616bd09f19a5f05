"""The dashboard's kept aggregates (core.rollup) equal a recomputation from the cases whatever
wrote them: the demo's bulk insert, the services (random lives: test_workflow_stateful), a ledger
import, a deadline rescheduled by a Core UPDATE, a deleted case; the CLI rebuilds and checks them;
and the dashboard read from them equals an independently written query over the cases."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from core import cli, demo, kpi, ledger_io, rollup
from core.db import make_engine, migrate
from core.models import Case, case_rollup
from tests.conftest import DEMO_TODAY, new_database_url
from tests.pagetest import demo_database
from tests.test_kpi import two_figures

NOW = datetime.combine(DEMO_TODAY, datetime.min.time()).replace(hour=9)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    yield from demo_database(tmp_path_factory, "rollup", cases=1500)


def agree(engine) -> bool:
    with engine.connect() as connection:
        return rollup.kept_rows(connection) == rollup.recomputed_rows(connection)


def test_the_demo_bulk_insert_keeps_them(county):
    _url, engine = county
    with engine.connect() as connection:
        for span in ("day", "month"):
            kept = connection.execute(select(sa.func.sum(case_rollup.c.received)).where(case_rollup.c.span == span))
            assert kept.scalar() == \
                connection.execute(select(sa.func.count()).select_from(Case).where(Case.status != "merged")).scalar()
    assert agree(engine)


def test_an_import_a_core_update_and_a_deletion_keep_them(county, tmp_path):
    _url, engine = county
    target = make_engine(new_database_url(tmp_path))
    migrate(target)
    demo.load_demo(target, cases=0, today=DEMO_TODAY)
    with Session(engine) as s:
        data = ledger_io.write_table(ledger_io.export_rows(s, user=None)[:200], "ledger.csv")
    with Session(target) as s:
        checked = ledger_io.check_rows(s, ledger_io.read_table(data, "ledger.csv"))
        assert checked.errors == [] and len(ledger_io.import_rows(s, actor=None, checked=checked, now=NOW,
                                                                   source="ledger.csv")) == 200
        s.commit()
    assert agree(target)
    target.dispose()
    with Session(engine) as s:  # a Core UPDATE of a deadline, as the 2027 schedule does (limits.set_year_schedule)
        case = s.exec(select(Case).where(Case.status == "closed", Case.reported_at.is_not(None))).first()
        with rollup.rewriting(s, [case.id]):
            s.execute(sa.update(Case).where(Case.id == case.id).values(due_at=case.received_at))
        s.commit()
    assert agree(engine)
    with Session(engine) as s:
        case = s.exec(select(Case).where(Case.status == "received")).first()
        s.execute(sa.text("DELETE FROM case_event WHERE case_id = :id"), {"id": case.id})
        s.delete(case)
        s.commit()
    assert agree(engine)


def test_the_cli_checks_and_rebuilds_them(county, monkeypatch, capsys):
    url, engine = county
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["rollup", "check"]) == 0
    with engine.begin() as connection:  # lose a day
        connection.execute(case_rollup.delete().where(case_rollup.c.day == DEMO_TODAY))
    assert cli.main(["rollup", "check"]) == 1
    assert "rollup rebuild" in capsys.readouterr().out
    assert cli.main(["rollup", "rebuild"]) == 0
    assert cli.main(["rollup", "check"]) == 0


@pytest.mark.parametrize("months", [1, 3, 12])
@pytest.mark.parametrize("township", [False, True])
def test_the_dashboard_from_them_equals_pandas_over_the_cases(county, months, township):
    """An independent answer: the cases read whole into pandas, each figure counted there."""
    _url, engine = county
    end = DEMO_TODAY
    start = kpi.months_around(end, back=months - 1)[0]
    with Session(engine) as s:
        frame = pd.read_sql(select(Case), s.connection())
        town = int(frame["township_id"].dropna().mode()[0]) if township else None
        found = kpi.compute(s, kpi.KpiFilter(start=start, end=end, township_id=town), now=NOW)
        weeks = kpi.weekly(s, kpi.KpiFilter(start=start, end=end, township_id=town))
    received = frame["received_at"]
    cohort = frame[(received >= pd.Timestamp(start)) & (received < pd.Timestamp(end) + pd.Timedelta(days=1))
                   & (frame["status"] != "merged")]
    if town:
        cohort = cohort[cohort["township_id"] == town]
    closed = cohort["status"].isin(["closed", "explained"])
    reported_or_closed = cohort["reported_at"].fillna(cohort["closed_at"])
    with_deadline = closed & cohort["due_at"].notna()
    on_time = with_deadline & (reported_or_closed <= cohort["due_at"])
    assert found.counts["received"] == len(cohort) > 0
    assert found.counts["closed"] == int(closed.sum())
    assert found.counts["closed_with_deadline"] == int(with_deadline.sum())
    assert found.counts["on_time"] == int(on_time.sum())
    assert found.no_deadline == int((closed & cohort["due_at"].isna()).sum())
    assert found.counts["satisfied"] == int(cohort["rating"].isin(["satisfied", "basically_satisfied"]).sum())
    assert found.by_channel == {k: int(v) for k, v in cohort["channel"].value_counts().items()}
    assert int(weeks["received"].sum()) == len(cohort) and int(weeks["closed"].sum()) == int(closed.sum())
    for measure, end_column in (("response", "accepted_at"), ("handling", "closed_at")):
        spent = ((cohort[end_column] - cohort["received_at"]).dt.total_seconds() / 60).round().dropna()
        ordered = sorted(int(m) for m in spent)
        expected = {"median": two_figures(ordered[(len(ordered) + 1) // 2 - 1]),
                    "p90": two_figures(ordered[(len(ordered) * 9 + 9) // 10 - 1])}
        assert getattr(found, f"{measure}_hours") == expected
