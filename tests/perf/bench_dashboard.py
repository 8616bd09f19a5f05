"""Benchmark: the leaders' dashboard on a big database, for each period a user picks (this month,
this quarter, this year), county-wide and filtered to the busiest township. Per case it measures:

- page_uncached_ms: the page's server-side run (AppTest of pages/dashboard.py as the demo leader)
  with Streamlit's caches cleared first — what a viewer's 30-second refresh costs when nobody
  computed it this minute;
- page_cache_hit_ms: the same run again right after, served from st.cache_data (a cache hit);
- core_ms: what one refresh asks of core (kpi.dashboard + alerts.candidates), no cache;
- direct_sql_ms: an independently written SQL answer over the cases themselves (the period's
  counts per township, category, unit and channel in one GROUP BY, and both percentiles by
  sorting), i.e. what the dashboard cost before the kept aggregates;
- pandas_ms: the period's columns read into pandas and the same counts computed there.
Medians of --runs (--bound-runs for the direct SQL and pandas answers). Not part of the test suite.

    .venv/bin/python -m tests.perf.bench_dashboard --database-url sqlite:////tmp/big1m.db

Fill the database with `python -m core.cli demo --cases 1000000` first. Prints one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from core import alerts, kpi
from core.clock import local_now
from core.db import make_engine, migrate
from core.models import Case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DIRECT_COUNTS = """
SELECT township_id, category_id, unit_id, channel, count(*),
       sum(CASE WHEN status IN ('closed', 'explained') THEN 1 ELSE 0 END),
       sum(CASE WHEN status IN ('closed', 'explained')
                 AND (due_at IS NULL OR coalesce(reported_at, closed_at) <= due_at) THEN 1 ELSE 0 END),
       sum(CASE WHEN approved_at IS NOT NULL OR status IN ('closed', 'explained') THEN 1 ELSE 0 END),
       sum(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN rating IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END),
       sum(CASE WHEN first_rating IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END),
       sum(CASE WHEN reported_at IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN return_count > 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN dispatched_at IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN misroute_count > 0 THEN 1 ELSE 0 END)
FROM "case" WHERE received_at >= :since AND received_at < :until AND status != 'merged' {town}
GROUP BY township_id, category_id, unit_id, channel"""
DIRECT_SPENT = {  # hours received → end, sorted: the nearest rank is read off the sorted list
    "sqlite": "SELECT (julianday({end}) - julianday(received_at)) * 24 AS h FROM \"case\" WHERE received_at >= :since"
              " AND received_at < :until AND status != 'merged' AND {end} IS NOT NULL {town} ORDER BY h",
    "postgresql": "SELECT extract(epoch FROM {end} - received_at) / 3600 AS h FROM \"case\" WHERE received_at >= :since"
                  " AND received_at < :until AND status != 'merged' AND {end} IS NOT NULL {town} ORDER BY h",
}


def direct_sql(engine, filters: kpi.KpiFilter) -> None:
    town = "AND township_id = :town" if filters.township_id else ""
    params = {"since": filters.since, "until": filters.until, "town": filters.township_id}
    with engine.connect() as c:
        c.execute(sa.text(DIRECT_COUNTS.format(town=town)), params).all()
        for end in ("accepted_at", "closed_at"):
            hours = c.execute(sa.text(DIRECT_SPENT[engine.dialect.name].format(end=end, town=town)), params).scalars().all()
            if hours:
                hours[(len(hours) + 1) // 2 - 1], hours[(len(hours) * 9 + 9) // 10 - 1]


def direct_pandas(engine, filters: kpi.KpiFilter) -> None:
    columns = ["township_id", "category_id", "unit_id", "channel", "status", "received_at", "accepted_at",
               "reported_at", "closed_at", "due_at", "rating"]
    query = sa.select(*(Case.__table__.c[c] for c in columns)).where(
        Case.received_at >= filters.since, Case.received_at < filters.until, Case.status != "merged",
        *([Case.township_id == filters.township_id] if filters.township_id else []))
    with engine.connect() as c:
        frame = pd.read_sql(query, c)
    closed = frame["status"].isin(["closed", "explained"])
    frame["closed"] = closed
    frame["on_time"] = closed & (frame["due_at"].isna() | (frame["reported_at"].fillna(frame["closed_at"]) <= frame["due_at"]))
    frame["satisfied"] = frame["rating"].isin(["satisfied", "basically_satisfied"])
    frame.groupby(["township_id", "category_id", "unit_id", "channel"], dropna=False)[
        ["closed", "on_time", "satisfied"]].sum()
    for end in ("accepted_at", "closed_at"):
        (frame[end] - frame["received_at"]).dt.total_seconds().quantile([0.5, 0.9], interpolation="higher")


def core_refresh(engine, filters: kpi.KpiFilter, now) -> None:
    """What one dashboard refresh asks of core (ui.dashboard_data + ui.alerts_now), uncached."""
    with Session(engine) as s:
        kpi.dashboard(s, filters, now=now)
        alerts.candidates(s, now=now)


def timed(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def page(period: str, township: int | None):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(os.path.join(ROOT, "pages", "dashboard.py"), default_timeout=600)
    at.session_state["authentication_status"] = True
    at.session_state["auth_version"] = 0  # the token version of a demo account never signed out
    at.session_state["username"] = "leader"
    at.session_state["dash_period"] = period
    at.session_state["dash_town"] = township
    return at


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bound-runs", type=int, help="runs of the direct SQL and pandas answers "
                        "(default --runs; at 10 million cases a year of either takes minutes)")
    args = parser.parse_args()
    bound_runs = args.bound_runs or args.runs
    os.environ["DATABASE_URL"] = args.database_url
    engine = make_engine(args.database_url)
    migrate(engine)
    now = local_now()
    today = now.date()
    with Session(engine) as s:
        total = s.execute(sa.select(sa.func.count()).select_from(Case)).scalar()
        busiest = s.execute(sa.select(Case.township_id).where(Case.township_id.is_not(None)).group_by(Case.township_id)
                            .order_by(sa.func.count().desc()).limit(1)).scalar()
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "engine": engine.dialect.name, "cases": total, "runs": args.runs, "bound_runs": bound_runs,
              "periods": []}

    import streamlit as st
    page("month", None).run()  # a server has its libraries imported after its first page; so has this process

    periods = {"month": today.replace(day=1), "quarter": date_of_quarter(today), "year": today.replace(month=1, day=1)}
    for period, start in periods.items():
        for township in (None, busiest):
            filters = kpi.KpiFilter(start=start, end=today, township_id=township)
            with Session(engine) as s:
                cohort = s.execute(sa.select(sa.func.count()).select_from(Case).where(kpi.cohort(filters))).scalar()

            def uncached(period=period, township=township):
                st.cache_data.clear()
                at = page(period, township).run()
                assert not at.exception, [e.value for e in at.exception]

            def cache_hit(period=period, township=township):
                at = page(period, township).run()
                assert not at.exception, [e.value for e in at.exception]

            row = {"period": period, "from": str(start), "to": str(today), "township_id": township,
                   "cases_in_period": cohort,
                   "page_uncached_ms": timed(uncached, args.runs),
                   "page_cache_hit_ms": timed(cache_hit, args.runs),
                   "core_ms": timed(lambda: core_refresh(engine, filters, now), args.runs),
                   "direct_sql_ms": timed(lambda: direct_sql(engine, filters), bound_runs),
                   "pandas_ms": timed(lambda: direct_pandas(engine, filters), bound_runs)}
            row["direct_sql_over_core"] = round(row["direct_sql_ms"] / row["core_ms"], 1)
            row["page_uncached_over_core"] = round(row["page_uncached_ms"] / row["core_ms"], 1)
            result["periods"].append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


def date_of_quarter(day):
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


if __name__ == "__main__":
    main()
