"""Whole-ledger export, CSV and .xlsx, as `python -m core.cli export cases` does it:

    .venv/bin/python -m tests.perf.bench_export --database-url sqlite:///…   # a filled database

Each format runs in a new process; printed per format: rows, seconds, the process's peak RSS and
its RSS before the export (libraries loaded), so the export's own memory is the difference."""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.perf import peak_rss_mb


def one(url: str, suffix: str) -> dict:
    from sqlmodel import Session

    from core import ledger_io
    from core.db import make_engine
    engine = make_engine(url)
    before = peak_rss_mb()
    started = time.perf_counter()
    with Session(engine) as s, tempfile.TemporaryFile() as out:
        rows = ledger_io.write_export(ledger_io.iter_export_rows(s, user=None), out, f"ledger{suffix}")
        size = out.tell()
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 1), "file_mb": round(size / 2**20, 1),
            "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--one", choices=[".csv", ".xlsx"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.database_url, args.one)))
        return
    result = {"machine": f"{platform.machine()}, Python {platform.python_version()}"}
    for suffix in (".csv", ".xlsx"):
        done = subprocess.run([sys.executable, "-m", "tests.perf.bench_export", "--database-url", args.database_url,
                               "--one", suffix], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[2])
        result[suffix] = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
