"""bench/meaning.py measures a scorer with meaning (a static sentence-embedding model blended with the
lexical one) next to the shipped matcher: its --smoke runs on two small eval sets (skipped without
them beside the checkout), and its hold-out of the embedding's view is the one a shop without the
held-out ask would give."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from kefu.engine.calibration import MAX_SAMPLES
from kefu.engine.matcher import Matcher, held_out_blocks
from kefu.engine.rules import Ask, FaqEntry
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from meaning import Meaning, model

SETS = ROOT.parent / "shared" / "eval" / "sets"
FIGURES = r"\s+(\d+\.\d{3}) \|\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d) \|"
ROW = re.compile(rf"^(lexical \(no check\)|\+ meaning w 0\.4 @(?:128|256))\s+sets\s{FIGURES}")

SHOP = {
    "shipping": ["how much is shipping", "what does delivery cost", "is shipping free", "shipping fee please"],
    "returns": ["can i return this", "how do i send it back", "return policy", "i want a refund"],
    "sizes": ["what size should i buy", "does it run small", "size chart", "is medium too big"],
}


def entries() -> list[FaqEntry]:
    return [FaqEntry(id=e, title=asks[0], asks=tuple(Ask(text=a) for a in asks), reply="r") for e, asks in SHOP.items()]


def test_bench_meaning_smoke_prints_the_shipped_matcher_and_the_blends_under_the_penalty_rule() -> None:
    if not (SETS / "xsid-zh-k5" / "kb.jsonl").is_file():
        pytest.skip(f"the eval sets are not beside this checkout ({SETS})")
    done = subprocess.run(
        [sys.executable, "bench/meaning.py", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [m.groups() for m in map(ROW.match, done.stdout.splitlines()) if m]
    assert [row[0] for row in rows] == ["lexical (no check)", "+ meaning w 0.4 @128", "+ meaning w 0.4 @256"]
    for _, penalty, lowest, coverage, top1 in rows:
        assert 0 <= float(penalty) <= 0.15 and all(0 <= float(f) <= 100 for f in (lowest, coverage, top1))
        assert float(top1) > 0
    assert len(re.findall(r"^  embedding @\d+: \d+\.\d+ / \d+\.\d+ ms a message", done.stdout, re.M)) == 2


def test_bench_meaning_refuses_a_bad_flag_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "bench/meaning.py", "--weights", "0.4,x"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("bench/meaning.py: --weights and --dims take comma-separated numbers")


def test_the_embeddings_hold_out_is_the_shop_without_the_held_out_ask() -> None:
    embed = model(128)
    shop = entries()
    matcher = Matcher(shop)
    meaning = Meaning(matcher.scorer, embed)
    texts = matcher.scorer.texts
    for block in held_out_blocks(matcher.scorer, MAX_SAMPLES):
        held = meaning.held(block)
        for line, row in enumerate(block.rows.tolist()):
            owner, text = int(matcher.scorer.owners[row]), texts[row]
            if block.in_scope and text == shop[owner].title:
                continue  # its title is that text too: an entry with no title is not a shop
            if block.in_scope:  # the shop with that ask removed from its entry
                kept = [
                    e if n != owner else e.model_copy(update={"asks": tuple(a for a in e.asks if a.text != text)})
                    for n, e in enumerate(shop)
                ]
                expected = Meaning(Matcher(kept).scorer, embed).raw(embed([text]))[0]
            else:  # the shop without its entry: that entry scores nothing
                expected = meaning.raw(embed([text]))[0]
                expected[owner] = 0.0
            assert np.allclose(held[line], expected, atol=1e-5), (block.in_scope, text)
