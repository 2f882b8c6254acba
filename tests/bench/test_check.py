"""bench/check.py keeps working: its smoke run prints a row per shop, load and check side by side."""

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
        row = rf"^\| {shops} \| {figure} \| {figure} \| {figure} \| {extra} \| none \| \d+% \|$"
        assert re.search(row, done.stdout, re.M), done.stdout
