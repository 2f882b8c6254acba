"""Answer quality on the public intent sets, next to three naive baselines measured in the same run.

For each set in ../shared/eval/sets (or --sets DIR): the knowledge base is imported with kefu's own
importer into a shop file, loaded, and every query is matched with the shop's default levels (the
ones kefu ships; nothing is tuned per set). Printed per set:

- top-1: in-scope queries whose best entry is the expected one;
- kefu's auto-send precision and coverage at its default levels;
- for each baseline, top-1 and its coverage at 95% precision with the best threshold chosen on the
  queries themselves (an upper bound no real deployment could reach).

Baselines: rapidfuzz process.extractOne with fuzz.WRatio and utils.default_process; the same with
fuzz.token_set_ratio; char 2-4-gram tf-idf cosine nearest ask (scikit-learn, a bench-only
dependency: pip install -e '.[bench]').

With two sets or more, a second table checks the calibration's one constant, the lead penalty
(`engine.calibration.LEAD_PENALTY`): every query is matched again under each penalty of a grid
(0 to 0.15 by 0.005; the scores of a message are computed once, only the decision is redone), and
the constant is chosen as the smallest penalty that keeps auto-send precision at 95% or more on
every set. Printed per set: precision / coverage with no penalty (the calibration before issue 12),
with the shipped one, with the one chosen on the *other* sets (leave-one-set-out), and with the one
chosen without any set of the same source (cic and cic-xscript are one source, the three xsid
languages another); and, when `kefu eval` reports it, suggestion precision@3.

Usage::

    .venv/bin/python bench/quality.py                        # every set (a few minutes)
    .venv/bin/python bench/quality.py --only xsid-zh-k5      # chosen sets
    .venv/bin/python bench/quality.py --smoke                # one small set, every 4th query: seconds (the tests')
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from kefu.dsl.importer import read_rows, render
from kefu.dsl.load import load
from kefu.engine.calibration import LEAD_PENALTY, fit
from kefu.engine.evaluation import Query, run
from kefu.engine.matcher import Matcher, Scores
from kefu.engine.normalize import Normalized

ROOT = Path(__file__).resolve().parent.parent
# beside the checkout (../shared/eval), or beside a folder holding it (a git worktree's)
DEFAULT_SETS = next(
    (p / "shared" / "eval" / "sets" for p in ROOT.parents if (p / "shared" / "eval" / "sets").is_dir()),
    ROOT.parent / "shared" / "eval" / "sets",
)
SMOKE_SET, SMOKE_STRIDE = "xsid-zh-k5", 4  # 15 entries; every 4th of its 496 queries
PENALTY_GRID = tuple(sorted({round(0.005 * step, 3) for step in range(31)} | {LEAD_PENALTY}))  # 0 .. 0.15
TARGET = 0.95  # auto-send precision every set must keep at the default levels


def coverage_at(results: list[tuple[str | None, str | None, float]], precision: float) -> float:
    """Best coverage over thresholds with precision >= `precision` (results: expect, got, score)."""
    in_scope = sum(1 for expect, _, _ in results if expect is not None)
    best = right = 0
    for sent, (expect, got, _) in enumerate(sorted(results, key=lambda r: -r[2]), 1):
        right += expect is not None and expect == got
        if right / sent >= precision:
            best = max(best, right)
    return best / in_scope if in_scope else 0.0


def top1(results: list[tuple[str | None, str | None, float]]) -> float:
    scoped = [(e, g) for e, g, _ in results if e is not None]
    return sum(e == g for e, g in scoped) / len(scoped) if scoped else 0.0


def baselines(kb: list[dict], queries: list[dict]) -> dict[str, list[tuple[str | None, str | None, float]]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    asks = [a for e in kb for a in e["asks"]]
    owners = [e["id"] for e in kb for _ in e["asks"]]
    out: dict[str, list] = {}
    for name, scorer in (("wratio", fuzz.WRatio), ("token_set", fuzz.token_set_ratio)):
        rows = []
        for q in queries:
            found = process.extractOne(q["text"], asks, scorer=scorer, processor=utils.default_process)
            rows.append((q["expect"], owners[found[2]] if found else None, found[1] if found else 0.0))
        out[name] = rows
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    matrix = vectorizer.fit_transform(asks)
    scores = (vectorizer.transform([q["text"] for q in queries]) @ matrix.T).toarray()
    out["tfidf"] = [(q["expect"], owners[int(s.argmax())], float(s.max())) for q, s in zip(queries, scores)]
    return out


EVAL_REPLY = "eval"  # the eval sets give no replies; matching never reads them (kefu import --reply)


class KeptScores:
    """A scorer that scores each message once: the penalty grid redoes decisions, never the scoring."""

    def __init__(self, scorer: object) -> None:
        self.scorer = scorer
        self.kept: dict[str, Scores] = {}

    def __getattr__(self, name: str) -> object:
        return getattr(self.scorer, name)

    def score(self, message: Normalized) -> Scores:
        if message.text not in self.kept:
            self.kept[message.text] = self.scorer.score(message)  # type: ignore[attr-defined]
        return self.kept[message.text]


def by_penalty(matcher: Matcher, queries: list[Query], levels: object) -> dict[float, dict]:
    """The report of every penalty of the grid: the same matcher, its calibration refitted."""
    shipped, scorer = matcher.calibration, matcher.scorer
    matcher.scorer = KeptScores(scorer)  # type: ignore[assignment]
    reports: dict[float, dict] = {}
    try:
        for penalty in PENALTY_GRID:
            matcher.calibration = fit(matcher.held_out.lead, matcher.held_out.correct, penalty=penalty)
            reports[penalty] = run(matcher, queries, levels)[0].model_dump()  # type: ignore[arg-type]
    finally:
        matcher.calibration, matcher.scorer = shipped, scorer
    return reports


def chosen(grid: dict[str, dict[float, dict]], sets: list[str]) -> float | None:
    """The smallest penalty keeping auto-send precision >= TARGET on every one of `sets`."""
    for penalty in PENALTY_GRID:
        if all(grid[name][penalty]["auto_precision"] >= TARGET for name in sets):
            return penalty
    return None


def source(name: str) -> str:
    """The public data a set comes from: cic-dev-xscript-k5 and cic-dev-k10 are both cic."""
    return name.split("-")[0]


def kefu(
    kb_path: Path, queries: list[dict], workdir: Path, grid: bool = False
) -> tuple[dict, list, float, dict[float, dict]]:
    entries, problems = read_rows(kb_path.read_text(encoding="utf-8"), "jsonl")
    folder = workdir / kb_path.parent.name
    folder.mkdir()
    (folder / "shop.kefu").write_text(
        render(entries, "eval", kb_path.name, problems, EVAL_REPLY).text, encoding="utf-8"
    )
    shop = load([folder]).rules.shops[0]
    started = time.perf_counter()
    matcher = Matcher(shop.entries, shop.synonyms)
    build = time.perf_counter() - started
    parsed = [Query(text=q["text"], expect=q["expect"]) for q in queries]
    report, results = run(matcher, parsed, shop.policy.matching)
    rows = [
        (q.expect, m.best.entry if m.best else None, m.best.score + m.best.raw / 1000 if m.best else 0.0)
        for q, m in results
    ]
    dumped = report.model_dump()
    dumped["suggest_precision_at_3"] = getattr(report, "suggest_precision_at_3", None)  # issue 12's new key
    penalties = by_penalty(matcher, parsed, shop.policy.matching) if grid else {}
    return dumped, rows, build, penalties


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=Path, default=DEFAULT_SETS, help="a folder of sets (kb.jsonl, queries.jsonl)")
    parser.add_argument("--only", nargs="*", default=None, help="only these sets")
    parser.add_argument(
        "--smoke", action="store_true", help=f"only {SMOKE_SET}, every {SMOKE_STRIDE}th query: seconds, for the tests"
    )
    args = parser.parse_args()
    if not args.sets.is_dir():
        sys.exit(f"bench/quality.py: no eval sets at {args.sets} (give --sets DIR)")
    names = sorted(p.name for p in args.sets.iterdir() if (p / "kb.jsonl").exists())
    only = [SMOKE_SET] if args.smoke else args.only
    if only:
        names = [n for n in names if n in only]
    if not names:
        sys.exit(f"bench/quality.py: none of {', '.join(only or ['the sets'])} in {args.sets}")
    stride = SMOKE_STRIDE if args.smoke else 1
    header = (
        f"{'set':<22} {'kefu top1':>9} {'best base':>9} | {'kefu prec':>9} {'kefu cov':>8} | "
        f"{'wratio':>13} {'token_set':>13} {'tfidf':>13}   (baselines: top1 / cov@95%, oracle threshold)"
    )
    print(header)
    print("-" * len(header))
    totals = {"kefu": 0.0, "best": 0.0, "cov": 0.0, "best_cov": 0.0}
    misses: list[str] = []
    grids: dict[str, dict[float, dict]] = {}
    reports: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            folder = args.sets / name
            kb = [
                json.loads(line)
                for line in (folder / "kb.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            queries = [
                json.loads(line)
                for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()
            ][::stride]
            report, _, _, grids[name] = kefu(folder / "kb.jsonl", queries, Path(tmp), grid=len(names) > 1)
            reports[name] = report
            base = baselines(kb, queries)
            cells = {k: (top1(v), coverage_at(v, 0.95)) for k, v in base.items()}
            best_top1 = max(t for t, _ in cells.values())
            best_cov = max(c for _, c in cells.values())
            totals["kefu"] += report["top1"]
            totals["best"] += best_top1
            totals["cov"] += report["auto_coverage"]
            totals["best_cov"] += best_cov
            if report["top1"] < best_top1:
                misses.append(f"{name}: top-1 below the best baseline")
            if report["auto_precision"] < 0.95:
                misses.append(f"{name}: auto-send precision {report['auto_precision']:.1%} < 95%")
            if report["auto_coverage"] < best_cov:
                misses.append(f"{name}: coverage {report['auto_coverage']:.1%} < best baseline's {best_cov:.1%}")
            print(
                f"{name:<22} {report['top1'] * 100:9.1f} {best_top1 * 100:9.1f} | "
                f"{report['auto_precision'] * 100:9.1f} "
                f"{report['auto_coverage'] * 100:8.1f} | "
                + " ".join(f"{t * 100:6.1f}/{c * 100:5.1f}" for t, c in cells.values()),
                flush=True,
            )
    count = max(len(names), 1)
    print("-" * len(header))
    print(
        f"average top-1: kefu {totals['kefu'] / count * 100:.1f}, best baseline {totals['best'] / count * 100:.1f} "
        f"(goal: +5 points)"
    )
    print(
        f"average coverage: kefu {totals['cov'] / count * 100:.1f}, best baseline at 95% precision "
        f"{totals['best_cov'] / count * 100:.1f} (goal: twice it)"
    )
    print("goals missed:" if misses else "every per-set goal met")
    for miss in misses:
        print("  " + miss)
    if len(names) > 1:
        calibration_table(names, grids, reports)


def calibration_table(names: list[str], grids: dict[str, dict[float, dict]], reports: dict[str, dict]) -> None:
    """The lead penalty chosen leaving each set (and each set's source) out, next to the shipped one."""

    def cell(name: str, penalty: float | None) -> str:
        if penalty is None:
            return f"{'none':>19}"
        got = grids[name][penalty]
        return f"{penalty:5.3f} {got['auto_precision'] * 100:5.1f}/{got['auto_coverage'] * 100:5.1f}  "

    on_all = chosen(grids, names)
    print()
    print(
        f"lead penalty: shipped {LEAD_PENALTY:.3f}; chosen on all {len(names)} sets: "
        + (f"{on_all:.3f}" if on_all is not None else f"none reaches {TARGET:.0%} everywhere")
        + " (smallest keeping auto-send precision >= 95% on every set; cells: penalty precision/coverage)"
    )
    header = (
        f"{'set':<22} {'no penalty':>19} {'shipped':>19} {'leave set out':>19} {'leave source out':>19} "
        f"{'oos auto':>8} {'sugg p@3':>8}"
    )
    print(header)
    print("-" * len(header))
    low = {"loo": 0, "loso": 0}
    for name in names:
        loo = chosen(grids, [n for n in names if n != name])
        loso = chosen(grids, [n for n in names if source(n) != source(name)])
        for key, penalty in (("loo", loo), ("loso", loso)):
            low[key] += penalty is None or grids[name][penalty]["auto_precision"] < TARGET
        p3 = reports[name].get("suggest_precision_at_3")
        print(
            f"{name:<22} {cell(name, 0.0)} {cell(name, LEAD_PENALTY)} {cell(name, loo)} {cell(name, loso)} "
            f"{reports[name]['oos_auto_rate'] * 100:8.1f} " + (f"{p3 * 100:8.1f}" if p3 is not None else f"{'-':>8}")
        )
    print("-" * len(header))
    count = len(names)
    for label, penalty in (("no penalty", 0.0), ("shipped", LEAD_PENALTY)):
        got = [grids[n][penalty] for n in names]
        print(
            f"{label}: min precision {min(g['auto_precision'] for g in got) * 100:.1f}, "
            f"average coverage {sum(g['auto_coverage'] for g in got) / count * 100:.1f}"
        )
    print(
        f"sets under {TARGET:.0%} with the penalty chosen without them: {low['loo']} of {count} (leave set out), "
        f"{low['loso']} of {count} (leave source out)"
    )


if __name__ == "__main__":
    main()
