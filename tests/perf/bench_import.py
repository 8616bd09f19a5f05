"""Ledger import as `python -m core.cli import` does it: the whole ledger of a filled database is
exported to CSV, then imported into a new county (the demo network, no cases) in a new process:

    .venv/bin/python -m tests.perf.bench_import --database-url sqlite:///…   # a filled database

Printed: rows, seconds to read and check the file, seconds to write it (batched INSERTs, the
dashboard's aggregates and one event per case, one transaction), rows per second of each, and the
importing process's peak RSS."""
from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def one(url: str, path: str) -> dict:
    from core import ledger_io
    from core.clock import local_now
    from core.db import make_engine, session_scope
    engine = make_engine(url)
    data = Path(path).read_bytes()
    started = time.perf_counter()
    rows = ledger_io.read_table(data, Path(path).name)
    with session_scope(engine) as s:
        checked = ledger_io.check_rows(s, rows)
        assert not checked.errors, checked.errors[:3]
        read = time.perf_counter() - started
        started = time.perf_counter()
        codes = ledger_io.import_rows(s, actor=None, checked=checked, now=local_now(), source=Path(path).name)
    written = time.perf_counter() - started
    return {"rows": len(codes), "read_and_check_s": round(read, 1), "write_s": round(written, 1),
            "read_rows_per_s": round(len(codes) / read), "write_rows_per_s": round(len(codes) / written),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


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
