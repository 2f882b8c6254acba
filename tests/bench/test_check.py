"""bench/check.py keeps working: its smoke run prints a row per shop, load, check and lint side by side."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_benchmark_smoke_run_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "check.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figure = r"\d+\.\d\d / \d+\.\d\d"  # wall / cpu seconds
    extra = r"\+-?\d+\.\d\d / \+-?\d+\.\d\d"
    for shops in (r"rules/ \(demo shops\)", "100 entries, one file"):
        linted = r"none" if shops.startswith("rules") else r"K0\d\d(, K0\d\d)*"  # demo: clean; synthetic: no tests
        row = rf"^\| {shops} \| {figure} \| {figure} \| {figure} \| {extra} \| none \| {figure} \| {linted} \| \d+% \|$"
        assert re.search(row, done.stdout, re.M), done.stdout
