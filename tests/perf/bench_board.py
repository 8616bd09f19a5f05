"""Benchmark: the work-queue board's server side on a big database — the queue counts of a clerk
and a supervisor, and the first page of a queue sorted by deadline, cold (first call) and warm
(median of 5). Not part of the test suite.

    .venv/bin/python -m tests.perf.bench_board --database-url sqlite:////tmp/big1m.db

The database is migrated first; fill it with `python -m core.cli demo --cases 1000000` (about
100,000 of the million demo cases are open). Prints one JSON object."""
from __future__ import annotations

import argparse
import json
import platform
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from core import auth, board, ledger
from core.db import make_engine, migrate
from core.ledger import OPEN_STATUSES
from core.models import Case
from tests.perf.bench_foundation import timed

NOW = datetime(2026, 11, 21, 9, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    migrate(engine)
    with Session(engine) as s:
        total = s.execute(sa.select(sa.func.count()).select_from(Case)).scalar()
        open_cases = s.execute(sa.select(sa.func.count()).select_from(Case).where(Case.status.in_(OPEN_STATUSES))).scalar()
        result = {"machine": f"{platform.machine()}, Python {platform.python_version()}", "engine": engine.dialect.name,
                  "cases": total, "open_cases": open_cases}
        for username in ("clerk", "supervisor", "unit_health"):
            user = auth.load_current_user(s, username)
            result[f"counts_{username}"] = timed(lambda u=user: board.counts(s, user=u, now=NOW))
            first_queue = board.queues_for(user)[0].key
            result[f"first_page_{username}_{first_queue}"] = timed(lambda u=user, q=first_queue: ledger.list_cases(
                s, user=u, filters=ledger.LedgerFilter(), now=NOW, by_deadline=True,
                extra=board.condition(s, user=u, key=q, now=NOW)))
        clerk = auth.load_current_user(s, "clerk")
        result["overdue_page_clerk"] = timed(lambda: ledger.list_cases(
            s, user=clerk, filters=ledger.LedgerFilter(), now=NOW, by_deadline=True,
            extra=board.condition(s, user=clerk, key="overdue", now=NOW)))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
