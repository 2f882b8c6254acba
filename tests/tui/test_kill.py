"""SIGKILL at random moments of `kefu simulate --db`, resumed each time where the database says it
stopped: nothing printed is missing from the database, every database passes integrity_check, no
input line is stored twice, and the whole stream ends up stored once (issue 10's kill run; the
figures of a long run come from `bench/kill.py`, this is its short form)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def bench_kill() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kefu_bench_kill", ROOT / "bench" / "kill.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sigkill_at_random_moments_loses_no_printed_action_and_stores_each_line_once(tmp_path: Path) -> None:
    figures = bench_kill().kill_run(tmp_path, kills=2, lines=6_000, seed=7, longest=0.1)
    print(figures.report())  # shown with -s: the figures the issue asks for, of this short run
    assert figures.kills == 2, figures.notes
    assert figures.printed > 0
    assert figures.lost == 0
    assert figures.out_of_order == 0
    assert figures.integrity_failures == 0, figures.notes
    assert figures.duplicated_lines == 0
    assert figures.stored_once == figures.lines == 6_000, figures.notes
    assert figures.sound
