"""bench/meaning_check.py chooses the meaning check's floor (`engine.meaning.MEANING_FLOOR`) by what a
wrong auto-send costs and measures it on shops it was not chosen on: its --smoke runs on two small
eval sets and xsid's variants (skipped without the eval data beside the checkout), and its choice is
the floor the rule names."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from meaning_check import FLOORS, WEIGHT, Shop, choose

from kefu.engine.meaning import MEANING_FLOOR

EVAL = ROOT.parent / "shared" / "eval"
FLOOR_ROW = re.compile(r"^\s*(\d\.\d{3})\s+(\d+)\s+(\d+)\s+(-?\d+)(  <- chosen)?$")
TEST_ROW = re.compile(r"^  penalty (\d\.\d{3}), (.+?)\s+(\d+) under 95% of (\d+),\s+(\d+) sending nothing")


def shop(meaning: list[float], right: list[bool]) -> Shop:
    return Shop(
        name="s",
        source="x",
        kind="k",
        in_scope=len(right),
        sure=0,
        sure_wrong=0,
        meaning=np.asarray(meaning),
        right=np.asarray(right),
        lexical={},
    )


def test_the_floor_chosen_maximises_19_wrong_held_back_minus_right_held_back() -> None:
    """Two wrong guesses at 0.30 and 0.42 and right ones from 0.44 up: the first floor above 0.42 holds
    back both wrong ones for nothing (2 x 19); 0.45 costs the right one at 0.44 too (2 x 19 - 1)."""
    found = shop([0.30, 0.42, 0.44, 0.6, 0.7, 0.8], [False, False, True, True, True, True])
    chosen, rows = choose([found])
    assert pytest.approx(19) == WEIGHT
    assert chosen == 0.425
    assert {floor: value for floor, _, _, value in rows}[0.45] == pytest.approx(2 * 19 - 1)
    assert found.sends(chosen) == (4, 4) and found.sends(0.0) == (4, 6)
    assert found.held(0.45) == (1, 2)


def test_bench_meaning_check_smoke_prints_the_floors_the_choice_and_the_test_shops() -> None:
    if not (EVAL / "sets" / "xsid-zh-k5" / "kb.jsonl").is_file() or not (EVAL / "raw" / "xsid").is_dir():
        pytest.skip(f"the eval data is not beside this checkout ({EVAL})")
    done = subprocess.run(
        [sys.executable, "bench/meaning_check.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    rows = [m.groups() for m in map(FLOOR_ROW.match, lines) if m]
    assert [float(r[0]) for r in rows] == list(FLOORS)
    for _, right, wrong, value, _ in rows:
        assert int(value) == 19 * int(wrong) - int(right)
    marked = [r for r in rows if r[4]]
    assert len(marked) == 1 and int(marked[0][3]) == max(int(r[3]) for r in rows)
    assert f"chosen: {float(marked[0][0]):g}" in done.stdout
    tests = [m.groups() for m in map(TEST_ROW.match, lines) if m]
    assert [label.split(" (")[0] for _, label, *_ in tests][:2] == ["no check", f"check at {MEANING_FLOOR:g}"]
    assert all(int(under) <= int(shops) for *_, under, shops, _ in tests)
