"""bench/quality.py runs as the README gives it; its --smoke mode scores one small eval set next to
the baselines. The eval sets live beside the checkout (../shared/eval): without them, this is skipped."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SETS = ROOT.parent / "shared" / "eval" / "sets"
PERCENT = r"\s+(\d+\.\d)"
ROW = re.compile(rf"^(\S+){PERCENT}{PERCENT} \|{PERCENT}{PERCENT} \|((?:\s+\d+\.\d/\s*\d+\.\d){{3}})$")


def test_bench_quality_smoke_scores_one_set_next_to_the_baselines() -> None:
    if not (SETS / "xsid-zh-k5" / "kb.jsonl").is_file():
        pytest.skip(f"the eval sets are not beside this checkout ({SETS})")
    done = subprocess.run(
        [sys.executable, "bench/quality.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [m.groups() for m in map(ROW.match, done.stdout.splitlines()) if m]
    assert [row[0] for row in rows] == ["xsid-zh-k5"]
    _, top1, best, precision, coverage, baselines = rows[0]
    figures = [float(top1), float(best), float(precision), float(coverage)]
    figures += [float(x) for x in re.findall(r"\d+\.\d", baselines)]
    assert len(figures) == 10 and all(0 <= f <= 100 for f in figures) and float(top1) > 0
    assert re.search(r"^average top-1: kefu \d+\.\d, best baseline \d+\.\d", done.stdout, re.M)
    assert re.search(r"^average coverage: kefu \d+\.\d", done.stdout, re.M)
