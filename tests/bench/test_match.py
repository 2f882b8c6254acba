"""bench/match.py runs as the README gives it; its --smoke mode prints a row per method with figures."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

ROW = re.compile(r"^\s*(\d+) (kefu|tfidf|naive)\s+([\d.]+)\s+(-?\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x$")


def test_bench_match_smoke_prints_every_method_next_to_naive() -> None:
    done = subprocess.run(
        [sys.executable, "bench/match.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "asks",
        "method",
        "build",
        "s",
        "mem",
        "MB",
        "p50",
        "ms",
        "p99",
        "ms",
        "vs",
        "naive",
        "p99",
    ]
    rows = [m.groups() for m in map(ROW.match, lines[1:]) if m]
    assert [(size, method) for size, method, *_ in rows] == [("200", "kefu"), ("200", "tfidf"), ("200", "naive")]
    for _, _, build, _, p50, p99, versus in rows:
        assert float(build) >= 0 and 0 < float(p50) <= float(p99) and float(versus) > 0
    assert rows[2][-1] == "1.0"  # naive against itself
    assert lines[-1].startswith("goals: ")
