"""bench/lsp.py keeps working: its smoke run prints each figure beside its goal and the baseline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_lsp_benchmark_smoke_run_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "lsp.py"), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"^\| baseline: cold `kefu check` of the file \| \d+ ms \| \|$", out, re.M), out
    assert re.search(r"^\| didChange -> diagnostics p50 \| \d+ ms \| \|$", out, re.M), out
    assert re.search(r"^\| didChange -> diagnostics p95 \| \d+ ms \| <= 300 ms \|$", out, re.M), out
    for what in ("hover", "completion"):
        assert re.search(rf"^\| {what} p95 \| \d+\.\d ms \| <= 50 ms \|$", out, re.M), out
    assert re.search(r"^\| server memory \(RSS / peak\) \| \d+ / \d+ MiB \| \|$", out, re.M), out
