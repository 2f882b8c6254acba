"""The meaning check before an auto-send (`engine.meaning`): how its floor is chosen, and what it does
on shops it was not chosen on, next to the lexical alternative (a larger lead penalty) in the same run.

Every shop is matched at kefu's default levels. A guess the calibrated score and margin would
auto-send is *checked*: its meaning to the entry, measured above the shop's background, is recorded
(`Match.meaning`), and a floor f holds it back (suggests it) when that is under f.

- **Choosing f** (the "dev" shops: the visible eval sets, the 8 shops cut from each as bench/quality.py
  cuts them, and bench/variants.py's shops of seeds 1-3): at 95% precision one wrong answer weighs as
  much as 19 right ones, so f is the floor of the grid maximising 19 x (wrong auto-sends held back) -
  (right ones held back), their numbers pooled over the dev shops. Printed for each floor of the
  grid, and the floor chosen leaving each source out (bitext, cic, clinc, xsid).
- **Measuring it** (the "test" shops: bench/variants.py's shops of seeds 4-6, never used to choose
  anything): shops under 95% (those that send nothing counted apart), the lowest kind pooled and the
  in-scope coverage, with no check, with the shipped floor and with the chosen one; and with no check
  under larger lead penalties, the lexical way to fewer wrong answers: which trades fewer right
  auto-sends for each wrong one it holds back.
- On the visible sets: precision and coverage with the check and without it.

No data is written anywhere but a temporary folder; nothing of it is shipped.

Usage::

    .venv/bin/python bench/meaning_check.py              # every shop (about 3 minutes)
    .venv/bin/python bench/meaning_check.py --cuts 0 --seeds 1   # fewer shops: dev seed 1, test seed 4
    .venv/bin/python bench/meaning_check.py --smoke      # two small sets, xsid of seeds 1 and 4: seconds (the tests')
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import CUTS, DEFAULT_SETS, TARGET, by_penalty, cut, imported, source
from variants import DEFAULT_RAW, SOURCES, built, family

from kefu.engine.calibration import LEAD_PENALTY
from kefu.engine.evaluation import Query
from kefu.engine.match import Decision
from kefu.engine.matcher import Matcher
from kefu.engine.meaning import MEANING_FLOOR

FLOORS = tuple(round(0.1 + 0.025 * step, 3) for step in range(21))  # 0.1 .. 0.6
WEIGHT = TARGET / (1 - TARGET)  # right answers one wrong one weighs at the target: 19
PENALTIES = (0.12, 0.13, 0.15, 0.17)  # larger lead penalties (no check) on the test shops
SMOKE_SETS, SMOKE_SOURCE = ("xsid-en-k5", "xsid-zh-k5"), "xsid"


@dataclass
class Shop:
    """One shop's guesses about to be auto-sent, and what the rest of its auto-sends are."""

    name: str
    source: str
    kind: str  # bench/variants.py's kind of shop, or "visible"/"cut"
    in_scope: int  # queries with an expected entry
    sure: int  # auto-sends the check never looks at (exact asks): right ones
    sure_wrong: int
    meaning: np.ndarray  # per checked guess: its meaning similarity
    right: np.ndarray  # per checked guess: is it the expected entry
    lexical: dict[float, tuple[int, int]]  # penalty -> (right, sent) auto-sends with no check

    def sends(self, floor: float) -> tuple[int, int]:
        """(right, sent) auto-sends with the check at `floor`."""
        kept = self.meaning >= floor
        return self.sure + int((kept & self.right).sum()), self.sure + self.sure_wrong + int(kept.sum())

    def held(self, floor: float) -> tuple[int, int]:
        """(right, wrong) auto-sends the check at `floor` holds back."""
        gone = self.meaning < floor
        return int((gone & self.right).sum()), int((gone & ~self.right).sum())


def measure(name: str, src: str, kind: str, kb: list[dict], queries: list[dict], tmp: Path, grid: bool) -> Shop:
    shop = imported("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in kb), "kb.jsonl", tmp / name)
    matcher = Matcher(shop.entries, shop.synonyms)
    levels = shop.policy.matching
    meaning, right = [], []
    sure = sure_wrong = 0
    for query in queries:
        match = matcher.match(query["text"], levels)
        hit = match.best is not None and match.best.entry == query["expect"]
        if match.meaning is not None:  # a guess the score and margin would auto-send: checked
            meaning.append(match.meaning)
            right.append(hit)
        elif match.decision is Decision.auto_send:
            sure += hit
            sure_wrong += not hit
    lexical: dict[float, tuple[int, int]] = {}
    if grid:  # the lexical alternative: no check, a larger penalty
        matcher.meaning_floor = 0.0
        reports = by_penalty(matcher, [Query(text=q["text"], expect=q["expect"]) for q in queries], levels)
        lexical = {p: (reports[p]["auto_right"], reports[p]["auto_sends"]) for p in (LEAD_PENALTY, *PENALTIES)}
    return Shop(
        name=name,
        source=src,
        kind=kind,
        in_scope=sum(q["expect"] is not None for q in queries),
        sure=sure,
        sure_wrong=sure_wrong,
        meaning=np.asarray(meaning, dtype=float),
        right=np.asarray(right, dtype=bool),
        lexical=lexical,
    )


def choose(shops: list[Shop]) -> tuple[float, list[tuple[float, int, int, float]]]:
    """The floor maximising WEIGHT x wrong held back - right held back, pooled; and each floor's row."""
    rows = []
    for floor in FLOORS:
        right, wrong = (sum(pair) for pair in zip(*(shop.held(floor) for shop in shops), strict=True))
        rows.append((floor, right, wrong, WEIGHT * wrong - right))
    best = max(rows, key=lambda row: (row[3], -row[0]))  # ties: the lower floor (it holds back less)
    return best[0], rows


def outcome(shops: list[Shop], sends: dict[str, tuple[int, int]]) -> str:
    """Shops under the target, sending nothing, the lowest kind pooled, in-scope coverage."""
    under = sum(1 for s in shops if sends[s.name][1] and sends[s.name][0] / sends[s.name][1] < TARGET)
    silent = sum(1 for s in shops if not sends[s.name][1])
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in shops:
        kinds[s.kind][0] += sends[s.name][0]
        kinds[s.kind][1] += sends[s.name][1]
    lowest = min((r / n for r, n in kinds.values() if n), default=1.0)
    coverage = sum(sends[s.name][0] for s in shops) / max(sum(s.in_scope for s in shops), 1)
    return (
        f"{under:3d} under 95% of {len(shops)}, {silent:2d} sending nothing, lowest kind {lowest * 100:5.1f}, "
        f"coverage {coverage * 100:5.1f}"
    )


def rate(right: int, wrong: int) -> str:
    """How many right auto-sends go for each wrong one held back."""
    return f"{right / wrong:.1f} right for each wrong one" if wrong else "no wrong one"


def variants(raw: Path, seeds: range, only: list[str] | None, tmp: Path, grid: bool) -> list[Shop]:
    shops = []
    for src in only or sorted(SOURCES):
        for name, kb, queries in built(raw, src, seeds):
            shops.append(measure(name, src, family(name), kb, queries, tmp, grid))
    return shops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=Path, default=DEFAULT_SETS, help="the visible eval sets")
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the raw public data (../shared/eval/raw)")
    parser.add_argument("--cuts", type=int, default=CUTS, metavar="N", help=f"shops cut from each set (default {CUTS})")
    parser.add_argument("--seeds", type=int, default=3, help="variant seeds each side: dev 1..N, test N+1..2N")
    parser.add_argument("--smoke", action="store_true", help="two small sets and xsid of one seed each side")
    args = parser.parse_args()
    if args.cuts < 0 or args.seeds < 1:
        sys.exit("bench/meaning_check.py: --cuts must be 0 or more and --seeds 1 or more")
    for folder, what in ((args.sets, "eval sets"), (args.raw, "raw eval data")):
        if not folder.is_dir():
            sys.exit(f"bench/meaning_check.py: no {what} at {folder}")
    names = sorted(p.name for p in args.sets.iterdir() if (p / "kb.jsonl").exists())
    only = None
    if args.smoke:
        names, args.cuts, args.seeds, only = [n for n in names if n in SMOKE_SETS], 0, 1, [SMOKE_SOURCE]
    visible: list[Shop] = []
    dev: list[Shop] = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name in names:
            kb = [json.loads(x) for x in (args.sets / name / "kb.jsonl").read_text(encoding="utf-8").splitlines() if x]
            queries = [
                json.loads(x)
                for x in (args.sets / name / "queries.jsonl").read_text(encoding="utf-8").splitlines()
                if x
            ]
            visible.append(measure(name, source(name).removesuffix("150"), "visible", kb, queries, tmp, grid=False))
            for seed in range(args.cuts):
                rows, asked = cut(kb, queries, seed)
                dev.append(
                    measure(f"{name}-cut{seed}", source(name).removesuffix("150"), "cut", rows, asked, tmp, grid=False)
                )
        dev += visible + variants(args.raw, range(1, args.seeds + 1), only, tmp, grid=False)
        test = variants(args.raw, range(args.seeds + 1, 2 * args.seeds + 1), only, tmp, grid=True)
    chosen, rows = choose(dev)
    print(
        f"dev shops: {len(dev)} (visible sets, their cuts, variants of seeds 1-{args.seeds}); guesses checked: "
        f"{sum(s.meaning.size for s in dev)}"
    )
    print(f"{'floor':>6} {'right held back':>15} {'wrong held back':>15} {f'{WEIGHT:g} x wrong - right':>20}")
    for floor, right, wrong, value in rows:
        mark = "  <- chosen" if floor == chosen else ""
        print(f"{floor:6.3f} {right:15d} {wrong:15d} {value:20.0f}{mark}")
    print(f"chosen: {chosen:g} (shipped MEANING_FLOOR {MEANING_FLOOR:g})")
    for src in sorted({s.source for s in dev}):
        others = [s for s in dev if s.source != src]
        if not others:
            continue
        without, _ = choose(others)
        print(f"  chosen without {src}: {without:g}")
    print()
    print(f"test shops: {len(test)} (variants of seeds {args.seeds + 1}-{2 * args.seeds}, used to choose nothing)")
    for label, floor in (
        ("no check", 0.0),
        (f"check at {MEANING_FLOOR:g} (shipped)", MEANING_FLOOR),
        (f"check at {chosen:g} (chosen)", chosen),
    ):
        print(f"  penalty {LEAD_PENALTY:.3f}, {label:<26} {outcome(test, {s.name: s.sends(floor) for s in test})}")
    for penalty in PENALTIES:
        print(f"  penalty {penalty:.3f}, {'no check':<26} {outcome(test, {s.name: s.lexical[penalty] for s in test})}")
    right, wrong = (sum(pair) for pair in zip(*(s.held(MEANING_FLOOR) for s in test), strict=True))
    print(
        f"  the check at {MEANING_FLOOR:g} holds back {right} right and {wrong} wrong auto-sends ({rate(right, wrong)})"
    )
    for penalty in PENALTIES[:2]:
        r = sum(s.lexical[LEAD_PENALTY][0] - s.lexical[penalty][0] for s in test)
        w = sum(
            (s.lexical[LEAD_PENALTY][1] - s.lexical[LEAD_PENALTY][0]) - (s.lexical[penalty][1] - s.lexical[penalty][0])
            for s in test
        )
        print(
            f"  penalty {penalty:.3f} instead of {LEAD_PENALTY:.3f} holds back {r} right and {w} wrong ({rate(r, w)})"
        )
    print()
    print(f"{'visible set':<22} {'no check':>14} {f'check {MEANING_FLOOR:g}':>14}   (auto-send precision / coverage)")
    for shop in visible:
        cells = []
        for floor in (0.0, MEANING_FLOOR):
            right, sent = shop.sends(floor)
            cells.append(f"{(right / sent * 100 if sent else 0):5.1f}/{right / max(shop.in_scope, 1) * 100:5.1f}")
        print(f"{shop.name:<22} {cells[0]:>14} {cells[1]:>14}")


if __name__ == "__main__":
    main()
