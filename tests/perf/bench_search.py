"""Benchmark: the ledger's text search and deep pages on a big database. Not part of the test suite.

    .venv/bin/python -m tests.perf.bench_search --database-url sqlite:////tmp/big1m.db

For each search (common and rare words, one character, a phrase, nothing found, a tracking code,
punctuation only) and each viewer (the center's clerk over the county, the clerk with a township
filter, a unit's handler): the first page of 50 rows and the count, each timed separately, best
and median of --runs (5) with no cache (the page counts once per set of filters, then turns pages with a
cursor). The lower bound is the same answer written independently: a LIKE scan of title and
content, timed once. Deep pages: page 19,001 (or the last but one) by OFFSET and by cursor. Prints one JSON object."""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from core import auth, ledger, ledger_io
from core.db import make_engine, migrate
from core.models import Case, Unit, UnitKind

NOW = datetime(2026, 11, 21, 9, 0)
SEARCHES = ("漏水", "水", "管道破裂漏水", "肖光明", "不存在的词语", "MQ-2026-000123", "%")


RUNS = 5


def timed(fn) -> dict:
    runs, out = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - started)
    return {"best_ms": round(min(runs) * 1000, 1), "median_ms": round(statistics.median(runs) * 1000, 1)}, out


def like_scan(session: Session, text: str) -> tuple[float, int]:
    """The independent answer: every case whose title or content holds the text, by LIKE."""
    needle = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    started = time.perf_counter()
    n = session.execute(sa.select(sa.func.count()).select_from(Case).where(sa.or_(
        Case.title.like(needle, escape="\\"), Case.content.like(needle, escape="\\"),
        Case.tracking_code == text))).scalar()
    return round((time.perf_counter() - started) * 1000, 1), n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5, help="runs of each timing (best and median)")
    args = parser.parse_args()
    global RUNS
    RUNS = args.runs
    engine = make_engine(args.database_url)
    migrate(engine)
    with Session(engine) as s:
        result = {"machine": f"{platform.machine()}, {platform.processor() or ''} Python {platform.python_version()}",
                  "engine": engine.dialect.name,
                  "cases": ledger_io.count_cases(s), "runs": RUNS, "searches": {}}
        clerk = auth.load_current_user(s, "clerk")
        unit = auth.load_current_user(s, "unit_health")
        township = s.execute(sa.select(Unit.id).where(Unit.kind == UnitKind.township).order_by(Unit.id)).scalar()
        viewers = {"clerk": (clerk, {}), "clerk_township": (clerk, {"township_id": township}),
                   "unit_health": (unit, {})}
        for text in SEARCHES:
            row = {}
            for name, (user, extra) in viewers.items():
                filters = ledger.LedgerFilter(text=text, **extra)
                page, (_n, rows) = timed(lambda u=user, f=filters: ledger.list_cases(
                    s, user=u, filters=f, now=NOW, count=False))
                count, n = timed(lambda u=user, f=filters: ledger.count_cases(s, user=u, filters=f, now=NOW))
                row[name] = {"first_page": page, "rows": len(rows), "count": count, "matches": n}
            row["like_scan_ms"], row["like_scan_matches"] = like_scan(s, text)
            result["searches"][text] = row
        everything = ledger.LedgerFilter()
        deep = max(1, min(19_000, result["cases"] // 50 - 1))  # page 19,001 at 1 M; the last but one when smaller
        _n, rows = ledger.list_cases(s, user=clerk, filters=everything, now=NOW, page=deep, count=False)
        cursor = ledger.cursor_after(rows)
        result[f"page_{deep + 1}_offset"], by_offset = timed(lambda: ledger.list_cases(
            s, user=clerk, filters=everything, now=NOW, page=deep + 1, count=False)[1])
        result[f"page_{deep + 1}_cursor"], by_cursor = timed(lambda: ledger.list_cases(
            s, user=clerk, filters=everything, now=NOW, after=cursor, count=False)[1])
        assert list(by_offset["id"]) == list(by_cursor["id"]), "the cursor's page differs from OFFSET's"
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
