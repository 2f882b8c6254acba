"""engine/overlap.py: the bound `kefu lint` settles most asks with never settles one wrongly.

An ask it calls clear must, matched in full (`Matcher.match`, as a customer writing it would be),
land on its own entry by the margin or more. Checked on the demo shops and on generated shops whose
asks share many features (the case the bound is for), at several margins.
"""

from __future__ import annotations

import random

import pytest

from kefu.dsl.load import load
from kefu.engine.matcher import Matcher
from kefu.engine.overlap import overlaps
from kefu.engine.rules import Ask, FaqEntry, Matching, Shop
from tests.conftest import ROOT

WORDS = [
    "請問",
    "可以",
    "商品",
    "運費",
    "多少",
    "退貨",
    "換貨",
    "訂單",
    "取消",
    "付款",
    "發票",
    "尺寸",
    "顏色",
    "出貨",
    "到貨",
    "包裹",
    "門市",
    "優惠",
    "會員",
    "嗎",
    "呢",
]


def generated(seed: int, entries: int = 60) -> tuple[FaqEntry, ...]:
    """Entries whose asks are drawn from a small vocabulary: many shared features, some near-duplicates."""
    pick = random.Random(seed)
    found = []
    for number in range(entries):
        topic = pick.sample(WORDS[2:-2], 2)
        asks = [
            "".join(pick.sample(WORDS, 2) + topic + [pick.choice(["嗎", "呢", ""])]) for _ in range(pick.randint(1, 5))
        ]
        found.append(FaqEntry(id=f"e{number}", title="".join(topic), asks=tuple(Ask(text=a) for a in asks), reply="r"))
    return tuple(found)


def _demo() -> list[tuple[FaqEntry, ...]]:
    shops: tuple[Shop, ...] = load([ROOT / "rules"]).rules.shops
    return [shop.entries for shop in shops]


@pytest.mark.parametrize("margin", [0, 8, 30])
@pytest.mark.parametrize(
    "entries", [*_demo(), *(generated(seed) for seed in range(4))], ids=lambda e: f"{len(e)} entries"
)
def test_a_clear_ask_wins_by_the_margin_when_matched_in_full(entries: tuple[FaqEntry, ...], margin: int) -> None:
    matcher = Matcher(entries)
    scorer = matcher.scorer
    levels = Matching(margin=margin, suggest=0, confidence=0)
    rows = [scorer.titles[n] + 1 + j for n, entry in enumerate(entries) for j in range(len(entry.asks))]
    asks = [(n, ask.text) for n, entry in enumerate(entries) for ask in entry.asks]
    found = overlaps(scorer, rows, margin)
    settled = 0
    for (number, text), overlap in zip(asks, found):
        if not overlap.clear or scorer.exact.get(matcher.normalize(text).text) != number:
            continue
        settled += 1
        match = matcher.match(text, levels, top=3)
        assert match.best is not None and match.best.entry == entries[number].id, text
        assert match.margin >= margin, (text, match.margin)
        assert all(scorer.owners[row] != number for row in overlap.nearest or ())
    if margin <= 8:  # at the usual margins the bound settles a good share, or it would not be worth having
        assert settled > len(asks) // 3, (settled, len(asks))
