"""bench/metrics_view.py runs as its docstring gives it: `--smoke` in a subprocess, exit 0, every figure
printed (p50 and p95 in milliseconds). The figures of a smoke run mean nothing; a broken benchmark
fails here instead of for the next person who runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = (
    "forward, screen open (LiveMetrics)",
    "back (f9), screen open (LiveMetrics)",
    "baseline: recount from scratch",
    "baseline: the event itself (decide)",
    "pilot f10, metrics screen open",
    "pilot f10, metrics screen closed",
)


def test_bench_metrics_view_smoke_runs_and_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "bench/metrics_view.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for row in ROWS:
        found = re.search(re.escape(row) + r"\s+([\d.]+)\s+([\d.]+)$", done.stdout, re.M)
        assert found is not None, f"no figures for {row!r} in:\n{done.stdout}"
        assert 0 < float(found.group(1)) <= float(found.group(2))
