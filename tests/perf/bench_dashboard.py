"""Benchmark: the leaders' dashboard on a big database — the page's server-side run (AppTest of
pages/dashboard.py signed in as the demo leader: cold = first run in a new process, warm = the
next runs, median of 5), the same aggregates through core.kpi uncached, and the raw SQL of those
aggregates replayed on a bare DBAPI cursor as the lower bound. Not part of the test suite.

    .venv/bin/python -m tests.perf.bench_dashboard --database-url sqlite:////tmp/big1m.db

Fill the database with `python -m core.cli demo --cases 1000000` first. Prints one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import sqlalchemy as sa
from sqlmodel import Session

from core import alerts, kpi
from core.clock import local_now
from core.db import make_engine, migrate
from core.models import Case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def dashboard_queries(session: Session, filters: kpi.KpiFilter, now) -> None:
    """What one dashboard refresh asks of the database (ui.dashboard_data + ui.alerts_now)."""
    kpi.dashboard(session, filters, now=now)
    alerts.candidates(session, now=now)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    engine = make_engine(args.database_url)
    migrate(engine)
    now = local_now()
    filters = kpi.KpiFilter(start=now.date().replace(day=1), end=now.date())
    with Session(engine) as s:
        total = s.execute(sa.select(sa.func.count()).select_from(Case)).scalar()
        cohort = s.execute(sa.select(sa.func.count()).select_from(Case).where(kpi.cohort(filters))).scalar()
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "engine": engine.dialect.name, "cases": total, "period": f"{filters.start} – {filters.end}",
              "cases_in_period": cohort}

    # 1. the page, as Streamlit runs it: the first run fills the caches, the next ones hit them.
    # A server has its libraries imported after its first page; so has this process, before timing.
    from streamlit.testing.v1 import AppTest
    warm_up = AppTest.from_file(os.path.join(ROOT, "pages", "account.py"), default_timeout=600)
    warm_up.session_state["authentication_status"] = True
    warm_up.session_state["auth_version"] = 0  # the token version of a demo account never signed out
    warm_up.session_state["username"] = "leader"
    warm_up.run()
    import altair  # noqa: F401  (the dashboard's chart library)

    from core import charts  # noqa: F401
    times = []
    for _ in range(args.runs + 1):
        at = AppTest.from_file(os.path.join(ROOT, "pages", "dashboard.py"), default_timeout=600)
        at.session_state["authentication_status"] = True
        at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
        at.session_state["username"] = "leader"
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        assert not at.exception, [e.value for e in at.exception]
    result["page_cold_ms"] = ms(times[0])
    result["page_warm_ms"] = ms(statistics.median(times[1:]))

    # 2. the same aggregates through core (no Streamlit cache), recording their SQL
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    with Session(engine) as s:
        started = time.perf_counter()
        dashboard_queries(s, filters, now)
        result["core_first_ms"] = ms(time.perf_counter() - started)
    sa.event.remove(engine, "before_cursor_execute", record)
    core_times = []
    for _ in range(args.runs):
        with Session(engine) as s:
            started = time.perf_counter()
            dashboard_queries(s, filters, now)
            core_times.append(time.perf_counter() - started)
    result["core_warm_ms"] = ms(statistics.median(core_times))

    # 3. the lower bound: the same SQL on a bare DBAPI cursor, results fetched, nothing else
    raw_times = []
    for _ in range(args.runs):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            raw_times.append(time.perf_counter() - started)
        finally:
            raw.close()
    result["raw_sql_ms"] = ms(statistics.median(raw_times))
    result["statements"] = len(statements)
    result["page_warm_over_raw"] = round(result["page_warm_ms"] / result["raw_sql_ms"], 2)
    result["page_cold_over_raw"] = round(result["page_cold_ms"] / result["raw_sql_ms"], 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
