"""bench/reload.py keeps working: its smoke run reloads a small shop and prints its figures next to the baselines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_reload_benchmark_smoke_run_prints_its_figures_next_to_the_baselines() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reload.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"^baseline: start-up load \+ compile \(parse cache warm\) [\d.]+ s$", out, re.M), out
    assert re.search(r"^baseline: loop lag idle over [\d.]+ s: p95 [\d.]+ ms, max [\d.]+ ms$", out, re.M), out
    assert re.search(r"^\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$", out, re.M), out
    assert "goals: loop lag p95 during a reload" in out
