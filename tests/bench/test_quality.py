"""bench/quality.py runs as the README gives it; its --smoke mode scores one small eval set next to
the baselines. The eval sets live beside the checkout (../shared/eval): without them, this is skipped."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SETS = ROOT.parent / "shared" / "eval" / "sets"
PERCENT = r"\s+(\d+\.\d)"
ROW = re.compile(rf"^(\S+){PERCENT}{PERCENT} \|{PERCENT}{PERCENT} \|((?:\s+\d+\.\d/\s*\d+\.\d){{3}})$")


def test_bench_quality_smoke_scores_one_set_next_to_the_baselines() -> None:
    if not (SETS / "xsid-zh-k5" / "kb.jsonl").is_file():
        pytest.skip(f"the eval sets are not beside this checkout ({SETS})")
    done = subprocess.run(
        [sys.executable, "bench/quality.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [m.groups() for m in map(ROW.match, done.stdout.splitlines()) if m]
    assert [row[0] for row in rows] == ["xsid-zh-k5"]
    _, top1, best, precision, coverage, baselines = rows[0]
    figures = [float(top1), float(best), float(precision), float(coverage)]
    figures += [float(x) for x in re.findall(r"\d+\.\d", baselines)]
    assert len(figures) == 10 and all(0 <= f <= 100 for f in figures) and float(top1) > 0
    assert re.search(r"^average top-1: kefu \d+\.\d, best baseline \d+\.\d", done.stdout, re.M)
    assert re.search(r"^average coverage: kefu \d+\.\d", done.stdout, re.M)


def _quality() -> object:
    sys.path.insert(0, str(ROOT / "bench"))
    import quality

    return quality


def test_a_cut_shop_keeps_five_sixths_of_the_intents_and_the_sets_share_of_out_of_scope_queries() -> None:
    quality = _quality()
    kb = [{"id": f"i{n}", "asks": [f"ask {n}"]} for n in range(12)]
    queries = [{"text": f"q {n} {r}", "expect": f"i{n}"} for n in range(12) for r in range(3)]
    queries += [{"text": f"away {r}", "expect": None} for r in range(12)]  # a quarter out of scope
    rows, asked = quality.cut(kb, queries, seed=1)  # type: ignore[attr-defined]
    kept = {row["id"] for row in rows}
    assert len(kept) == 10 and rows == [e for e in kb if e["id"] in kept]
    inside = [q for q in asked if q["expect"] is not None]
    assert {q["expect"] for q in inside} == kept and len(inside) == 30  # every query about a kept intent
    outside = [q for q in asked if q["expect"] is None]
    assert len(outside) == 10  # 30 in scope at the set's 25%: 10 drawn from the cut intents' 6 and its own 12
    assert quality.cut(kb, queries, seed=1) == (rows, asked)  # type: ignore[attr-defined]
    assert quality.cut(kb, queries, seed=2)[0] != rows  # type: ignore[attr-defined]
    no_oos = [q for q in queries if q["expect"] is not None]
    assert all(q["expect"] is not None for q in quality.cut(kb, no_oos, seed=1)[1])  # type: ignore[attr-defined]
    fifteen = [{"id": f"i{n}", "asks": [f"ask {n}"]} for n in range(15)]
    assert len(quality.cut(fifteen, [], seed=1)[0]) == 13  # type: ignore[attr-defined]  # 12.5 rounds up, not to even


def test_cut_shops_pool_their_auto_sends_and_count_the_shops_under_95_percent() -> None:
    quality = _quality()
    grid = quality.PENALTY_GRID  # type: ignore[attr-defined]

    def report(sent: int, right: int, in_scope: int) -> dict:
        precision = round(right / sent, 4) if sent else 0.0
        return {"auto_sends": sent, "auto_right": right, "auto_precision": precision, "in_scope": in_scope}

    shops = [
        {p: report(20, 18, 100) for p in grid},
        {p: report(80, 80, 100) for p in grid},
        {p: report(0, 0, 50) for p in grid},
    ]
    together = quality.pooled(shops)[grid[0]]  # type: ignore[attr-defined]
    assert together["auto_precision"] == 0.98 and together["auto_coverage"] == round(98 / 250, 4)
    assert together["under"] == 1 and together["shops"] == 3 and together["auto_sends"] == 100


def test_a_shop_is_shown_under_95_percent_when_its_wrong_answers_would_be_unlikely_at_95() -> None:
    """The one-sided binomial test of the penalty rule: 3 wrong in 15 show it, 2 do not; 6 in 50, not 5."""
    quality = _quality()

    def shown(sent: int, wrong: int) -> bool:
        return quality.shown_under({"auto_sends": sent, "auto_right": sent - wrong})  # type: ignore[attr-defined]

    assert [shown(15, w) for w in (0, 1, 2, 3)] == [False, False, False, True]
    assert [shown(50, w) for w in (5, 6)] == [False, True] and not shown(0, 0)


def test_the_penalty_rule_takes_the_smallest_penalty_under_which_no_shop_is_shown_under_95() -> None:
    """A unit's pooled precision may hold at 95% while one of its shops shows it is under: the rule
    goes on to the next penalty."""
    quality = _quality()
    grid = quality.PENALTY_GRID  # type: ignore[attr-defined]

    def report(sent: int, right: int) -> dict:
        return {"auto_sends": sent, "auto_right": right, "auto_precision": round(right / sent, 4), "in_scope": 100}

    small, large = grid[1], grid[2]
    weak = {p: report(15, 12 if p < large else 15) for p in grid}  # 3 wrong in 15 below `large`
    strong = {p: report(400, 400) for p in grid}
    pooled = quality.pooled([weak, strong])  # type: ignore[attr-defined]
    assert pooled[small]["auto_precision"] >= 0.95 and pooled[small]["shown"] == 1
    set_grid = {p: report(100, 100) for p in grid}
    units = {"set": [set_grid], "variants of x": [pooled]}
    assert quality.chosen(units, ["set"]) == grid[0]  # type: ignore[attr-defined]
    assert quality.chosen(units, ["set", "variants of x"]) == large  # type: ignore[attr-defined]


def test_bench_quality_says_in_one_line_when_the_variant_shops_cannot_be_built(tmp_path: Path) -> None:
    """Before anything is measured: minutes into a run is too late to learn the raw data is missing."""
    for name in ("a-k5", "b-k5"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kb.jsonl").write_text('{"id": "x", "asks": ["hello"]}\n', encoding="utf-8")
        (tmp_path / name / "queries.jsonl").write_text('{"text": "hello", "expect": "x"}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "bench/quality.py", "--sets", str(tmp_path), "--raw", str(tmp_path / "nothing")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("bench/quality.py: cannot build the variant shops of bitext from ")
    assert done.stderr.strip().endswith("give --raw DIR or --variants 0") and done.stderr.count("\n") == 1


def test_bench_quality_refuses_a_negative_number_of_cuts() -> None:
    done = subprocess.run(
        [sys.executable, "bench/quality.py", "--cuts", "-1"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and done.stderr.strip() == "bench/quality.py: --cuts must be 0 or more, not -1"


def test_the_penalty_grid_decides_as_a_full_eval_run_does() -> None:
    """bench/quality.py redoes only the decisions under each penalty (`Matcher.ranked` and
    `decision`): its figures must be those `kefu eval` reports under the same calibration, exact
    asks, guesses without evidence and out-of-scope messages among them."""
    from kefu.dsl.load import load
    from kefu.engine.calibration import fit
    from kefu.engine.evaluation import Query, run
    from kefu.engine.matcher import Matcher

    quality = _quality()
    shop = load([ROOT / "rules" / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    matcher = Matcher(shop.entries, shop.synonyms)
    texts = [a.text for e in shop.entries for a in e.asks] + [e.title for e in shop.entries]
    queries = [Query(text=t, expect=e.id) for e in shop.entries for t in [e.title, *(a.text for a in e.asks)]]
    queries += [Query(text=t[: max(2, len(t) // 2)] + "呢", expect=None) for t in texts[::3]]  # near, out of scope
    queries += [Query(text=t, expect=None) for t in ["", "你們賣咖啡嗎", "!!!", "x" * 50]]
    queries += [Query(text=t + "嗎", expect=e.id) for e in shop.entries for t in [e.title]]
    grid = quality.by_penalty(matcher, queries, shop.policy.matching)  # type: ignore[attr-defined]
    keys = ("queries", "in_scope", "out_of_scope", "auto_sends", "auto_precision", "auto_coverage", "oos_auto_rate")
    sent = set()
    for penalty in (0.0, 0.05, quality.LEAD_PENALTY, 0.2):  # type: ignore[attr-defined]
        matcher.calibration = fit(matcher.held_out.lead, matcher.held_out.correct, penalty=penalty)
        full = run(matcher, queries, shop.policy.matching)[0].model_dump()
        assert {k: grid[penalty][k] for k in keys} == {k: full[k] for k in keys}, penalty
        assert grid[penalty]["auto_right"] == round(full["auto_precision"] * full["auto_sends"])
        sent.add(full["auto_sends"])
    assert len(sent) > 1  # the penalties decide differently here: the comparison is not of empty grids
