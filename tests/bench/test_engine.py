"""bench/engine.py runs as the README gives it: `--smoke` in a subprocess, exit 0, every figure printed.

The figures of a smoke run mean nothing (a thousand events on a shared machine); what is checked is
that each measurement ran and printed a rate next to its sqlite3 baseline, so a broken benchmark
fails the suite instead of the next person who runs it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RATE = r"\s+[\d,]+\s+[\d.]+\s+([\d,]+) (?:events|rows)/s"
ROWS = (
    "parse: TypeAdapter(Event).validate_json (info)",
    "decide, matching excluded",
    "decide, real matching (info)",
    "decide + store, 1000 steps a commit, --json lines",
    "sqlite3 baseline: executemany, 1000 rows a commit",
    "sqlite3 baseline: one commit per row",
)


def test_bench_engine_smoke_runs_and_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "bench/engine.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for row in ROWS:
        found = re.search(re.escape(row) + RATE, out)
        assert found is not None, f"no figure for {row!r} in:\n{out}"
        assert int(found.group(1).replace(",", "")) > 0
    for run in ("--db FILE (SQLite, grouped commits)", "--no-db"):
        # memory is sampled every 0.5 s: a run this short may end before its first sample ("-")
        found = re.search(re.escape(run) + r"\s+3,000\s+[\d.]+\s+[\d.]+\s+([\d,]+)\s+(\d+M|-)\s", out)
        assert found is not None, f"no kefu simulate figures for {run!r} in:\n{out}"
        assert int(found.group(1).replace(",", "")) > 0
    assert "goals:" in out
