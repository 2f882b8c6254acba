"""bench/parse.py keeps working: its smallest size runs as the README gives it and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_parse_benchmark_smoke_run_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "parse.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert f"kefu source: {ROOT}" in out  # verify() found the packages where the script expects them
    for layout in ("single", "split"):  # a row per layout, each cold figure next to json.loads' baseline
        assert re.search(rf"^\s+100\s+{layout}\s+\d+\s+[\d,]+\s+[\d.]+\s+\d+\.\d\d\s", out, re.M), out
    assert re.search(r"json s\s+json lines/s", out)
    for mistake in ("missing }", "stray {", 'missing "'):  # the broken-file rows: clean, broken, findings
        assert re.search(rf"^\s+100\s+{re.escape(mistake)}\s+\d+\.\d\d\s+\d+\.\d\d\s+[\d.]+x\s+\d+\s", out, re.M), out
    assert "goals:" in out
