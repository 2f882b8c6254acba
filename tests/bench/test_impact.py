"""bench/impact.py runs as its docstring gives it; --smoke prints which path ran, the changes found
(the same both ways, or it stops) and both figures for the engine and the command."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

ROW = re.compile(r"^(engine \(compile both \+ decide\)|kefu impact, end to end)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x$")


def test_bench_impact_smoke_prints_the_path_and_both_figures() -> None:
    done = subprocess.run(
        [sys.executable, "bench/impact.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert re.match(
        r"impact ran: path fast, \d+ of 300 scored again \(compiling both shops took [\d.]+ s of it\); ", lines[1]
    ), lines[1]
    changed = re.match(r"changed messages: (\d+) \(the same when every message is scored twice\)", lines[2])
    assert changed is not None and int(changed.group(1)) > 0
    rows = [m.groups() for m in map(ROW.match, lines) if m]
    assert [row[0] for row in rows] == ["engine (compile both + decide)", "kefu impact, end to end"]
    for _, fast, full, speed in rows:
        assert float(fast) > 0 and float(full) > 0 and float(speed) > 0
    assert lines[-1].startswith("goal: ")
