"""Ledger import as `python -m core.cli import` does it: the whole ledger of a filled database is
exported to CSV, then imported into a new county (the demo network, no cases) in a new process:

    .venv/bin/python -m tests.perf.bench_import --database-url sqlite:///…   # a filled database

Printed: rows, the file's size, seconds of the first reading (read and check every row), seconds of
the second (read, check again and write: batched INSERTs, the full-text index, the dashboard's
aggregates and one event per case, one transaction), rows per second of each, and the importing
process's peak RSS."""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from tests.perf import peak_rss_mb


def one(url: str, path: str) -> dict:
    from core import ledger_io
    from core.clock import local_now
    from core.db import make_engine, session_scope
    engine = make_engine(url)
    with open(path, "rb") as source, session_scope(engine) as s:
        started = time.perf_counter()  # reading 1: every row read and checked, nothing kept but errors
        good, errors = ledger_io.check_file(s, source, Path(path).name)
        assert not errors, errors[:3]
        read = time.perf_counter() - started
        started = time.perf_counter()  # reading 2: each row read, checked again and written
        written_rows = ledger_io.import_file(s, actor=None, source=source, filename=Path(path).name,
                                             now=local_now(), total=good)
    written = time.perf_counter() - started
    return {"rows": written_rows, "file_mb": round(Path(path).stat().st_size / 2**20, 1),
            "read_and_check_s": round(read, 1), "read_check_and_write_s": round(written, 1),
            "read_rows_per_s": round(written_rows / read), "write_rows_per_s": round(written_rows / written),
            "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    from sqlmodel import Session

    from core import demo, ledger_io
    from core.db import make_engine, migrate
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tmp) / "ledger.csv"
        with Session(make_engine(args.database_url)) as s, ledger.open("wb") as out:
            ledger_io.write_export(ledger_io.iter_export_rows(s, user=None), out, ledger.name)
        target = f"sqlite:///{tmp}/county.db"
        engine = make_engine(target)
        migrate(engine)
        demo.load_demo(engine, cases=0, today=date(2026, 11, 21))
        engine.dispose()
        done = subprocess.run([sys.executable, "-m", "tests.perf.bench_import", "--database-url", target,
                               "--one", target, str(ledger)], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[2])
    result = {"machine": f"{platform.machine()}, Python {platform.python_version()}",
              **json.loads(done.stdout.strip().splitlines()[-1])}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
