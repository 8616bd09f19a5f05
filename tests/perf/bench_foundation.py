"""Benchmark: load the demo county with N cases, then time the home counters and the ledger's
first page for a clerk (server side, no browser). Not part of the test suite.

    .venv/bin/python -m tests.perf.bench_foundation --cases 1000000 [--database-url URL]

Without --database-url it uses a new SQLite file under /tmp. Prints one JSON object."""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session

from core import auth, board, demo, ledger, ledger_io
from core.db import make_engine, migrate

TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 9, 0)


def timed(fn, repeat: int = 5) -> dict:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return {"first_s": round(runs[0], 4), "median_s": round(statistics.median(runs), 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    result = {"machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
              "engine": engine.dialect.name}
    if not demo.has_data(engine):
        started = time.perf_counter()
        stats = demo.load_demo(engine, cases=args.cases, today=TODAY)
        result["demo_load_s"] = round(time.perf_counter() - started, 1)
        result["events"] = stats["events"]
    with Session(engine) as s:
        # the size of the database measured — a reused one may hold more or fewer than --cases
        result["cases"] = ledger_io.count_cases(s)
        clerk = auth.load_current_user(s, "clerk")
        unit = auth.load_current_user(s, "unit_health")
        result["home_counters_clerk"] = timed(lambda: board.counts(s, user=clerk, now=NOW))
        result["ledger_first_page_clerk"] = timed(
            lambda: ledger.list_cases(s, user=clerk, filters=ledger.LedgerFilter(), now=NOW))
        result["ledger_overdue_unit"] = timed(
            lambda: ledger.list_cases(s, user=unit, filters=ledger.LedgerFilter(only_overdue=True), now=NOW))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
