"""bench/tui.py keeps working: its smoke size runs as the README gives it and prints each figure next to
its baselines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tui_benchmark_smoke_run_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tui.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for what in ("typing", "message", "replay"):
        assert re.search(rf"^\s+{what}\s+p50\s+[\d.]+ ms\s+p95\s+[\d.]+ ms", out, re.M), out
    assert out.count("to the pilot's return:") == 3
    assert out.count("baseline, demo shop, 1 conversation") == 3
    assert out.count("baseline, the engine alone") == 2
    assert re.search(r"first frame, parse cache warm: median [\d.]+ s.*baseline python -c pass: [\d.]+ s", out), out
    assert "goals: typing p95" in out
