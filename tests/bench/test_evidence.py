"""bench/evidence.py runs as the README gives it; its --smoke mode chooses both evidence floors on two
small eval sets. The eval sets live beside the checkout (../shared/eval): without them, this is skipped."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SETS = ROOT.parent / "shared" / "eval" / "sets"
FLOOR = r"\s+(\d\.\d\d)\s+(\d\.\d\d)"
TINY = re.compile(rf"^(xsid-\w\w-k5){FLOOR} \|\s+[\d.]+\s+[\d.]+\s+-?[\d.]+ \|\s+[\d.]+\s+[\d.]+$")
FULL = re.compile(rf"^(xsid-\w\w-k5){FLOOR} \|((?:\s+[\d.]+ ->\s+[\d.]+){{5}})$")


def test_bench_evidence_smoke_chooses_both_floors_leaving_each_set_out() -> None:
    if not (SETS / "xsid-zh-k5" / "kb.jsonl").is_file():
        pytest.skip(f"the eval sets are not beside this checkout ({SETS})")
    done = subprocess.run(
        [sys.executable, "bench/evidence.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert [m.group(1) for m in map(TINY.match, lines) if m] == ["xsid-en-k5", "xsid-zh-k5"], done.stdout
    full = [m for m in map(FULL.match, lines) if m]
    assert [m.group(1) for m in full] == ["xsid-en-k5", "xsid-zh-k5"], done.stdout
    figures = [float(x) for m in full for x in re.findall(r"\d+\.\d", m.group(4))]
    assert len(figures) == 20 and all(0 <= f <= 100 for f in figures)
    assert re.search(r"^on every set: \d\.\d\d; shipped TINY_SHOP_FLOOR = ", done.stdout, re.M)
    assert re.search(r"^on every set: \d\.\d\d; shipped EVIDENCE_FLOOR = ", done.stdout, re.M)
