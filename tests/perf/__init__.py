"""Benchmarks (run by the commands in the README, never by the test suite)."""
from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> int:
    """This process's own peak resident memory. Linux keeps getrusage's ru_maxrss across exec, so a
    benchmark's child started by a parent that had grown (bench_import's parent exports the ledger
    first) reported the parent's peak: 280 MB for a 20,000-row import that peaked at ~200 MB.
    VmHWM in /proc starts again with the new program."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
