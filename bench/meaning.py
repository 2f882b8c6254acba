"""A scorer with meaning, measured before it is built in: kefu's lexical matcher blended with a
static sentence-embedding model, next to the shipped lexical matcher in the same run.

The model is WordLlama (`l2_supercat`: token embeddings distilled from a large language model,
averaged per text; 16 MB of weights shipped inside its wheel, so it loads with no download; a
dependency of kefu itself since `engine.meaning` checks a guess with it before an auto-send).
Its similarity of a message to an entry is built as the lexical scorer's is (the best ask and the
entry's centroid, averaged), and blended:

    raw = (1 - w) * lexical raw + w * embedding raw

The calibration is the shipped one on the blended raw: every held-out ask of `engine.matcher` (the
same asks, the same blocks) gets the embedding's view of the same hold-out (itself and its twins
removed from its entry; or its whole entry removed), and the leads are taken after the blend. The
evidence floor stays on the lexical raw (a guess must share words with the entry).

Shops: the visible eval sets (../shared/eval/sets) and, when the raw data is beside the checkout,
the unseen shops of bench/variants.py (seeds 1-3, intents held out of the knowledge base; --no-unseen
skips them). Every configuration (w = 0 is the lexical matcher without the meaning check, the
baseline) is matched under each lead penalty of bench/quality.py's grid, and the penalty is chosen
two ways, each printed with the figures it gives:

- **sets**: the smallest penalty keeping auto-send precision >= 95% on every visible set (the rule
  that chose `engine.calibration.LEAD_PENALTY`);
- **sets+kinds**: the same on the visible sets and on every *kind* of unseen shop (bitext k5,
  clinc150 one domain k10, ...: its shops' auto-sends pooled; a dozen-entry shop sends 10-30
  answers, too few for 95 in 100 to show on its own).

Printed per configuration and rule: the chosen penalty; on the visible sets the lowest precision,
the average coverage and top-1; how many units (sets, and kinds) fall under 95% when the penalty is
chosen without them (leave-one-out) and without every unit of their source (leave-source-out:
cic, bitext, clinc, xsid), with the worst; on the unseen shops one by one: how many fall under 95%,
how many send nothing, coverage and top-1. Then the embedding's cost.
No data is written anywhere but a temporary folder; nothing of it is shipped.

Usage::

    .venv/bin/python bench/meaning.py                      # w 0.4 at 128 and 256 dimensions (a few minutes)
    .venv/bin/python bench/meaning.py --weights 0.3,0.5 --dims 256
    .venv/bin/python bench/meaning.py --smoke              # two small sets, no unseen shops: seconds (the tests')
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evidence import lines
from quality import DEFAULT_SETS, EVAL_REPLY, PENALTY_GRID, TARGET, source
from variants import DEFAULT_RAW, SOURCES, built, family

from kefu.dsl.importer import read_rows, render
from kefu.dsl.load import load
from kefu.engine.calibration import LEAD_PENALTY, MAX_SAMPLES, fit
from kefu.engine.matcher import (
    ASK_WEIGHT,
    EVIDENCE_FLOOR,
    HeldBlock,
    LexicalScorer,
    Matcher,
    _same_text_groups,
    held_out_blocks,
    leads,
)

SMOKE_SETS, SMOKE_STRIDE = ("xsid-en-k5", "xsid-zh-k5"), 4
Embed = Callable[[list[str]], np.ndarray]  # texts -> (texts, dims), rows of unit length


def model(dims: int) -> Embed:
    """WordLlama's shipped weights, truncated to `dims` (its dimensions are ordered by importance).
    Its loader looks for the tokenizer file in a folder the wheel does not have before its cache
    folder: the wheel's own folder given as the cache finds it, and downloads stay off."""
    import wordllama
    from wordllama import WordLlama

    loaded = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True, trunc_dim=dims)
    return lambda texts: np.asarray(loaded.embed([t or " " for t in texts], norm=True), dtype=np.float32)


class Meaning:
    """The embedding's raw similarity of messages to a shop's entries, shaped as the lexical one."""

    def __init__(self, scorer: LexicalScorer, embed: Embed) -> None:
        self.owners, self.entries = scorer.owners, scorer.entries
        self.order, self.starts = scorer.order, scorer.starts
        self.texts = embed(scorer.texts)  # (texts, dims)
        self.sums = np.zeros((scorer.entries, self.texts.shape[1]), dtype=np.float32)
        np.add.at(self.sums, self.owners, self.texts)
        self.centroids = self.sums / np.maximum(np.linalg.norm(self.sums, axis=1, keepdims=True), 1e-9)
        self.groups = _same_text_groups(scorer)  # the hold-out's twins: the same text in the same entry

    def _best(self, cos: np.ndarray) -> np.ndarray:
        """(messages, texts) cosines -> (messages, entries): each entry's best text."""
        return np.maximum.reduceat(cos[:, self.order], self.starts, axis=1)

    def raw(self, messages: np.ndarray) -> np.ndarray:
        """(messages, entries) for embedded messages."""
        raw = ASK_WEIGHT * self._best(messages @ self.texts.T) + (1 - ASK_WEIGHT) * (messages @ self.centroids.T)
        return np.clip(raw, 0.0, 1.0)

    def held(self, block: HeldBlock) -> np.ndarray:
        """The block's held-out asks as the lexical hold-out sees them: in scope, the ask and its
        twins gone from its entry (centroid included); out of scope, its whole entry gone."""
        asks = self.texts[block.rows]
        cos = asks @ self.texts.T
        line = np.arange(block.rows.size)
        centroid = asks @ self.centroids.T
        if block.in_scope:
            twins = self.groups[None, :] == self.groups[block.rows][:, None]
            cos = np.where(twins, -1.0, cos)
            left = self.sums[block.owners] - twins.sum(axis=1)[:, None] * asks
            norm = np.linalg.norm(left, axis=1)
            centroid[line, block.owners] = np.where(
                block.alone, 0.0, (asks * left).sum(axis=1) / np.maximum(norm, 1e-9)
            )
        raw = np.clip(ASK_WEIGHT * self._best(cos) + (1 - ASK_WEIGHT) * centroid, 0.0, 1.0)
        gone = block.alone if block.in_scope else np.ones(block.rows.size, dtype=bool)
        raw[line, block.owners] = np.where(gone, 0.0, raw[line, block.owners])
        return raw


@dataclass
class Shop:
    """What a configuration is measured on: the lexical matcher's view of the shop and its queries."""

    name: str
    matcher: Matcher
    blocks: list[HeldBlock]
    lexical: np.ndarray  # (queries, entries)
    exact: np.ndarray  # per query: the entry it is an exact ask of, or -1
    expect: list[str | None]
    texts: list[str]
    levels: object


def shop_of(name: str, kb: list[dict], queries: list[dict], tmp: Path) -> Shop:
    entries, problems = read_rows("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in kb), "jsonl")
    folder = tmp / name
    folder.mkdir()
    (folder / "shop.kefu").write_text(render(entries, "eval", "kb.jsonl", problems, EVAL_REPLY).text, encoding="utf-8")
    loaded = load([folder]).rules.shops[0]
    matcher = Matcher(loaded.entries, loaded.synonyms)
    messages = [matcher.normalize(q["text"]) for q in queries]
    return Shop(
        name=name,
        matcher=matcher,
        blocks=list(held_out_blocks(matcher.scorer, MAX_SAMPLES)),  # the shipped matcher's own hold-out
        lexical=np.stack([matcher.scorer.score(m).raw for m in messages]),
        exact=np.asarray([matcher.scorer.exact.get(m.text, -1) if m.text else -1 for m in messages]),
        expect=[q["expect"] for q in queries],
        texts=[q["text"] for q in queries],
        levels=loaded.policy.matching,
    )


@dataclass
class Blended:
    """One shop under one blend, every penalty of the grid: (right, sent, in scope) auto-sends."""

    by_penalty: dict[float, tuple[int, int, int]]
    top1: float


def blended(shop: Shop, weight: float, embed: Embed | None) -> Blended:
    matcher, levels = shop.matcher, shop.levels
    blocks, raw = shop.blocks, shop.lexical
    if weight:
        assert embed is not None
        meaning = Meaning(matcher.scorer, embed)
        blocks = [replace(b, raw=(1 - weight) * b.raw + weight * meaning.held(b)) for b in blocks]
        raw = (1 - weight) * raw + weight * meaning.raw(embed(shop.texts))
    held = leads(blocks)
    line = np.arange(raw.shape[0])
    best = np.where(shop.exact >= 0, shop.exact, raw.argmax(axis=1))
    first = raw[line, best]
    others = raw.copy()
    others[line, best] = -np.inf
    second = others.max(axis=1) if raw.shape[1] > 1 else np.zeros(raw.shape[0])
    margin = np.round(100.0 * (first - second), 1) >= levels.margin  # type: ignore[attr-defined]
    evidence = shop.lexical[line, best] >= EVIDENCE_FLOOR
    ids = [e.id for e in matcher.entries]
    right = np.asarray([e is not None and ids[b] == e for b, e in zip(best.tolist(), shop.expect)])
    in_scope = np.asarray([e is not None for e in shop.expect])
    found = {}
    for penalty in PENALTY_GRID:
        calibration = fit(held.lead, held.correct, penalty=penalty)
        sure = (calibration(first - second) >= levels.confidence) & evidence & ~np.bool_(matcher.tiny)  # type: ignore[attr-defined]
        send = margin & np.where(shop.exact >= 0, True, sure)
        found[penalty] = (int((send & right).sum()), int(send.sum()), int(in_scope.sum()))
    return Blended(found, float(right[in_scope].mean()) if in_scope.any() else 0.0)


def precision(got: tuple[int, int, int]) -> float:
    return got[0] / got[1] if got[1] else 1.0


def pooled(shops: list[Blended], penalty: float) -> tuple[int, int, int]:
    return tuple(sum(s.by_penalty[penalty][i] for s in shops) for i in range(3))  # type: ignore[return-value]


def choose(units: dict[str, list[Blended]], names: list[str]) -> float | None:
    for penalty in PENALTY_GRID:
        if all(precision(pooled(units[n], penalty)) >= TARGET for n in names):
            return penalty
    return None


def left_out(units: dict[str, list[Blended]], chosen: dict[str, float | None]) -> str:
    """How many units fall under the target at the penalty chosen without them, and the worst."""
    got = {n: precision(pooled(units[n], PENALTY_GRID[-1] if p is None else p)) for n, p in chosen.items()}
    low = min(got, key=lambda n: got[n])
    return f"{sum(v < TARGET for v in got.values()):2d} ({got[low] * 100:5.1f} {low})"


def unit_source(name: str) -> str:
    return "clinc" if name.startswith("clinc") else source(name)


def report(label: str, visible: dict[str, Blended], unseen: dict[str, Blended]) -> None:
    kinds: dict[str, list[Blended]] = {}
    for name, got in unseen.items():
        kinds.setdefault(family(name), []).append(got)
    sets = {name: [got] for name, got in visible.items()}
    rules = [("sets", sets)] + ([("sets+kinds", {**sets, **kinds})] if kinds else [])
    for rule, units in rules:
        names = list(units)
        penalty = choose(units, names)
        if penalty is None:
            print(f"{label:<22} {rule:<10} no penalty up to {PENALTY_GRID[-1]} keeps every unit at 95%")
            continue
        loo = {n: choose(units, [m for m in names if m != n]) for n in names}
        lso = {n: choose(units, [m for m in names if unit_source(m) != unit_source(n)]) for n in names}

        shown = [visible[n].by_penalty[penalty] for n in visible]
        apart = [g.by_penalty[penalty] for g in unseen.values()]
        sending = [g for g in apart if g[1]]
        line = (
            f"{label:<22} {rule:<10} {penalty:6.3f} | {min(map(precision, shown)) * 100:5.1f} "
            f"{np.mean([g[0] / g[2] for g in shown]) * 100:5.1f} "
            f"{np.mean([g.top1 for g in visible.values()]) * 100:5.1f} | "
            f"{left_out(units, loo):<34} {left_out(units, lso):<34}"
        )
        if unseen:
            line += (
                f"| {sum(precision(g) < TARGET for g in sending):3d}/{len(apart)} {len(apart) - len(sending):3d} "
                f"{np.mean([g[0] / g[2] for g in apart]) * 100:5.1f} "
                f"{np.mean([g.top1 for g in unseen.values()]) * 100:5.1f}"
            )
        print(line, flush=True)


def cost(embed: Embed, texts: list[str]) -> str:
    """Per message (one at a time, as `kefu ask` would) and per thousand texts at once."""
    times = []
    for text in texts[:300]:
        started = time.perf_counter()
        embed([text])
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    embed(texts)
    bulk = (time.perf_counter() - started) / max(len(texts), 1) * 1000
    one = f"{np.percentile(times, 50) * 1e3:.3f} / {np.percentile(times, 99) * 1e3:.3f} ms a message"
    return f"{one}, {bulk:.3f} s per 1,000 texts at once"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=Path, default=DEFAULT_SETS, help="a folder of sets (kb.jsonl, queries.jsonl)")
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the raw public data for the unseen shops")
    parser.add_argument("--no-unseen", action="store_true", help="the visible sets only")
    parser.add_argument("--weights", default="0.4", help="embedding weights w to measure, comma-separated (0 < w <= 1)")
    parser.add_argument("--dims", default="128,256", help="embedding dimensions, comma-separated (64, 128 or 256)")
    parser.add_argument("--smoke", action="store_true", help="two small sets, every 4th query, no unseen shops")
    args = parser.parse_args()
    try:
        weights = [float(w) for w in args.weights.split(",")]
        dims = [int(d) for d in args.dims.split(",")]
    except ValueError:
        sys.exit(
            f"bench/meaning.py: --weights and --dims take comma-separated numbers (got {args.weights!r}, {args.dims!r})"
        )
    if not all(0 < w <= 1 for w in weights) or not all(d in (64, 128, 256) for d in dims):
        sys.exit("bench/meaning.py: each weight must be in (0, 1] and each dimension 64, 128 or 256")
    if not args.sets.is_dir():
        sys.exit(f"bench/meaning.py: no eval sets at {args.sets} (give --sets DIR)")
    names = sorted(d.name for d in args.sets.iterdir() if (d / "kb.jsonl").is_file())
    stride = 1
    if args.smoke:
        names, stride, args.no_unseen = [n for n in names if n in SMOKE_SETS], SMOKE_STRIDE, True
    unseen_too = not args.no_unseen and args.raw.is_dir()

    with tempfile.TemporaryDirectory() as tmp:
        visible = {
            n: shop_of(
                n, lines(args.sets / n / "kb.jsonl"), lines(args.sets / n / "queries.jsonl")[::stride], Path(tmp)
            )
            for n in names
        }
        unseen: dict[str, Shop] = {}
        if unseen_too:
            for src in sorted(SOURCES):
                for name, kb, queries in built(args.raw, src, (1, 2, 3)):
                    unseen[name] = shop_of(name, kb, queries, Path(tmp))
    print(
        f"{len(visible)} visible sets; "
        + (f"{len(unseen)} unseen shops ({args.raw})" if unseen_too else "no unseen shops")
    )
    print(f"(shipped lead penalty {LEAD_PENALTY}; 'under': units under 95% with the penalty chosen without them)")
    print(
        f"{'scorer':<22} {'rule':<10} {'chosen':>6} | {'min':>5} {'cov':>5} {'top1':>5} | "
        f"{'leave-one-out: under (worst)':<34} {'leave-source-out: under (worst)':<34}"
        + ("| unseen shops: under  none   cov  top1" if unseen_too else "")
    )
    report(
        "lexical (no check)",
        {n: blended(s, 0.0, None) for n, s in visible.items()},
        {n: blended(s, 0.0, None) for n, s in unseen.items()},
    )
    for dim in dims:
        embed = model(dim)
        for weight in weights:
            label = f"+ meaning w {weight:g} @{dim}"
            report(
                label,
                {n: blended(s, weight, embed) for n, s in visible.items()},
                {n: blended(s, weight, embed) for n, s in unseen.items()},
            )
        sample = [t for s in visible.values() for t in s.texts]
        print(f"  embedding @{dim}: {cost(embed, sample)}")


if __name__ == "__main__":
    main()
