"""The evidence a guess needs (engine.matcher.EVIDENCE_FLOOR), chosen leave-one-set-out, and what it does.

A guess (a best entry the message is not an exact ask of) is suggested or sent only when its raw
similarity reaches a floor. Two floors, each chosen leave-one-set-out (and, printed beside it,
leave-one-family-out: k5 and k10 of the same data, either script, left out together).

1. TINY_SHOP_FLOOR, for a shop too small to calibrate, where the floor is the only evidence, so it
   is chosen on tiny shops: for every set in ../shared/eval/sets, shops of 1, 2
and 4 of its entries with 1 or 3 asks each (15 of each kind, drawn with a fixed seed); their
messages are the set's queries about those entries (in scope) and 60 of its other queries, other
intents and out-of-scope ones (unrelated). For a floor, the score of a set is the share of in-scope
messages suggested with their entry in the top 3, minus the share of unrelated messages suggested
anything (both kinds weigh the same, as in the calibration). For each set the floor is the one
with the best mean score over the *other* sets; printed: that floor, and the set's figures under it
and with no floor.

2. EVIDENCE_FLOOR, for a shop that calibrates, where the floor stands beside the score: chosen on
   each full set at kefu's default levels, the score of a floor being (suggestions holding the
   expected entry in their top 3 - other suggestions) / queries. Printed for each set with no floor
   and with its floor: suggestion precision@3 (`kefu eval`'s suggest_precision_at_3), the share of
   in-scope queries suggested with their entry in the top 3, auto-send precision and coverage,
   out-of-scope auto-sent.

Usage::

    .venv/bin/python bench/evidence.py                  # every set (about three minutes)
    .venv/bin/python bench/evidence.py --sets DIR
    .venv/bin/python bench/evidence.py --smoke          # two small sets, 3 shops of each kind: seconds (the tests')
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from kefu.dsl.importer import read_rows, render
from kefu.dsl.load import load
from kefu.engine import matcher as matching
from kefu.engine.evaluation import Query, run
from kefu.engine.match import Decision
from kefu.engine.matcher import EVIDENCE_FLOOR, TINY_SHOP_FLOOR, LexicalScorer, Matcher
from kefu.engine.normalize import Normalizer
from kefu.engine.rules import Ask, FaqEntry

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ROOT.parent / "shared" / "eval" / "sets"
FLOORS = np.round(np.arange(0.0, 0.405, 0.01), 2)
SIZES, ASKS, SHOPS, UNRELATED = (1, 2, 4), (1, 3), 15, 60
SMOKE_SETS, SMOKE_SHOPS = ("xsid-en-k5", "xsid-zh-k5"), 3


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tiny_shops(kb: list[dict], queries: list[dict], seed: int, shops: int = SHOPS) -> np.ndarray:
    """Rows (in scope, right in the top 3, best raw) for the messages of tiny shops cut from a set."""
    rng = random.Random(seed)
    normalize = Normalizer(())
    rows: list[tuple[bool, bool, float]] = []
    for size in SIZES:
        for asks in ASKS:
            for _ in range(shops):
                chosen = rng.sample(kb, size)
                ids = [e["id"] for e in chosen]
                scorer = LexicalScorer(
                    [
                        FaqEntry(
                            id=e["id"], title=e["asks"][0], asks=tuple(Ask(text=a) for a in e["asks"][:asks]), reply="r"
                        )
                        for e in chosen
                    ],
                    normalize,
                )
                inside = [q for q in queries if q["expect"] in ids]
                others = [q for q in queries if q["expect"] not in ids]
                for query, scope in [(q, True) for q in inside] + [
                    (q, False) for q in rng.sample(others, min(UNRELATED, len(others)))
                ]:
                    raw = scorer.score(normalize(query["text"])).raw
                    top = np.argsort(-raw, kind="stable")[:3]
                    right = scope and any(ids[i] == query["expect"] and raw[i] > 0 for i in top)
                    rows.append((scope, right, float(raw[top[0]])))
    return np.asarray(rows, dtype=float)


def youden(rows: np.ndarray, floor: float) -> tuple[float, float, float]:
    """(score, in-scope suggested right, unrelated suggested) at a floor."""
    scope, right, raw = rows[:, 0].astype(bool), rows[:, 1].astype(bool), rows[:, 2]
    sent = raw >= floor
    hit = (right & sent).sum() / max(scope.sum(), 1)
    wrong = (~scope & sent).sum() / max((~scope).sum(), 1)
    return hit - wrong, hit, wrong


def full_set(folder: Path, workdir: Path) -> tuple[np.ndarray, dict[str, float]]:
    """A set's shop at the default levels with no floor: per query (in scope, suggested, right in the
    top 3, auto-sent, auto-sent right, best raw, exact ask), and the report with the shipped floor."""
    entries, problems = read_rows((folder / "kb.jsonl").read_text(encoding="utf-8"), "jsonl")
    target = workdir / folder.name
    target.mkdir()
    (target / "shop.kefu").write_text(render(entries, "eval", "kb.jsonl", problems, "eval").text, encoding="utf-8")
    shop = load([target]).rules.shops[0]
    queries = [Query(text=q["text"], expect=q["expect"]) for q in lines(folder / "queries.jsonl")]
    matcher = Matcher(shop.entries, shop.synonyms)
    shipped, _ = run(matcher, queries, shop.policy.matching)
    matching.EVIDENCE_FLOOR = 0.0  # read by Matcher._evidence at each match
    try:
        _, results = run(matcher, queries, shop.policy.matching)
    finally:
        matching.EVIDENCE_FLOOR = EVIDENCE_FLOOR
    rows = [
        (
            q.expect is not None,
            m.decision is not Decision.none,
            q.expect is not None and q.expect in [c.entry for c in m.candidates[:3]],
            m.decision is Decision.auto_send,
            m.decision is Decision.auto_send and m.best is not None and m.best.entry == q.expect,
            m.best.raw if m.best else 0.0,
            m.exact,
        )
        for q, m in results
    ]
    return np.asarray(rows, dtype=float), shipped.model_dump()


def at_floor(rows: np.ndarray, floor: float) -> dict[str, float]:
    """A set's figures had the floor been `floor` (a guess under it: no answer; exact asks unchanged)."""
    scope, suggested, right, auto, auto_right, raw, exact = (rows[:, i] for i in range(7))
    keep = (raw >= floor) | (exact > 0)
    suggested, auto, auto_right = suggested * keep, auto * keep, auto_right * keep
    held = (suggested * right).sum()
    return {
        "utility": (held - (suggested * (1 - right)).sum()) / len(rows),
        "p3": held / max(suggested.sum(), 1),
        "right": held / max(scope.sum(), 1),
        "precision": auto_right.sum() / max(auto.sum(), 1),
        "coverage": auto_right.sum() / max(scope.sum(), 1),
        "oos": (auto * (1 - scope)).sum() / max((1 - scope).sum(), 1),
    }


def family(name: str) -> str:
    """Sets built from the same data (k5 and k10, either script) are one family."""
    return name.rsplit("-k", 1)[0].replace("-xscript", "")


def loso(scores: dict[str, np.ndarray], name: str, same: bool) -> float:
    """The floor with the best mean score over the other sets (or the other families; nan: none left)."""
    others = [s for other, s in scores.items() if (other != name if same else family(other) != family(name))]
    return float(FLOORS[int(np.argmax(np.mean(others, axis=0)))]) if others else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=Path, default=DEFAULT_SETS, help="a folder of sets (kb.jsonl, queries.jsonl)")
    parser.add_argument("--smoke", action="store_true", help=f"only {', '.join(SMOKE_SETS)}, fewer tiny shops: seconds")
    args = parser.parse_args()
    if not args.sets.is_dir():
        sys.exit(f"bench/evidence.py: no eval sets at {args.sets} (give --sets DIR)")
    folders = sorted(p for p in args.sets.iterdir() if (p / "kb.jsonl").exists())
    if args.smoke:
        folders = [f for f in folders if f.name in SMOKE_SETS]
    shops = SMOKE_SHOPS if args.smoke else SHOPS
    tiny = {f.name: tiny_shops(lines(f / "kb.jsonl"), lines(f / "queries.jsonl"), 12, shops) for f in folders}
    scores = {name: np.array([youden(rows, f)[0] for f in FLOORS]) for name, rows in tiny.items()}
    print(f"1. TINY_SHOP_FLOOR: tiny shops cut from each set ({SIZES} entries x {ASKS} asks, {shops} of each)")
    print("   right: in-scope messages suggested with their entry; unrel: unrelated messages suggested anything")
    print(
        f"{'set':<22} {'floor':>5} {'fam':>5} | {'right':>6} {'unrel':>6} {'J':>6} | "
        f"no floor: {'right':>6} {'unrel':>6}"
    )
    for name, rows in tiny.items():
        floor, apart = loso(scores, name, True), loso(scores, name, False)
        j, hit, wrong = youden(rows, floor)
        _, hit0, wrong0 = youden(rows, 0.0)
        print(
            f"{name:<22} {floor:5.2f} {apart:5.2f} | {hit * 100:6.1f} {wrong * 100:6.1f} {j * 100:6.1f} | "
            f"          {hit0 * 100:6.1f} {wrong0 * 100:6.1f}",
            flush=True,
        )
    every = float(FLOORS[int(np.argmax(np.mean(list(scores.values()), axis=0)))])
    print(f"on every set: {every:.2f}; shipped TINY_SHOP_FLOOR = {TINY_SHOP_FLOOR}")
    print()
    with tempfile.TemporaryDirectory() as tmp:
        full = {f.name: full_set(f, Path(tmp)) for f in folders}
    utility = {name: np.array([at_floor(rows, f)["utility"] for f in FLOORS]) for name, (rows, _) in full.items()}
    print("2. EVIDENCE_FLOOR: each full set at the default levels (it calibrates: the floor stands beside the score)")
    print("   p@3: suggestion precision@3; right: in-scope queries suggested with their entry in the top 3")
    print(
        f"{'set':<22} {'floor':>5} {'fam':>5} | {'p@3':>14} {'right':>14} {'auto prec':>14} {'auto cov':>14} "
        f"{'oos auto':>12}   (no floor -> the set's floor)"
    )
    for name, (rows, shipped) in full.items():
        floor, apart = loso(utility, name, True), loso(utility, name, False)
        before, after = at_floor(rows, 0.0), at_floor(rows, floor)
        cells = " ".join(
            f"{before[k] * 100:5.1f} -> {after[k] * 100:5.1f}" for k in ("p3", "right", "precision", "coverage")
        )
        print(
            f"{name:<22} {floor:5.2f} {apart:5.2f} | {cells} {before['oos'] * 100:4.1f} -> {after['oos'] * 100:4.1f}",
            flush=True,
        )
        assert abs(at_floor(rows, EVIDENCE_FLOOR)["p3"] - shipped["suggest_precision_at_3"]) < 1e-3, name
    every = float(FLOORS[int(np.argmax(np.mean(list(utility.values()), axis=0)))])
    print(f"on every set: {every:.2f}; shipped EVIDENCE_FLOOR = {EVIDENCE_FLOOR}")


if __name__ == "__main__":
    main()
