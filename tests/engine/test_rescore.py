"""engine/rescore.py: the fast path of `kefu impact` decides every plain message as scoring it again
with the new rules would, on shops where a change moves the calibration and every idf."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kefu.engine.matcher import Matcher, counted, top_entries, top_two
from kefu.engine.rescore import Outcome, compare_messages, quick
from kefu.engine.rules import Ask, FaqEntry, Matching, SynonymGroup

WORDS = [
    "order",
    "shipping",
    "refund",
    "return",
    "parcel",
    "delivery",
    "payment",
    "invoice",
    "coupon",
    "discount",
    "size",
    "colour",
    "stock",
    "warranty",
    "exchange",
    "cancel",
    "address",
    "track",
    "store",
    "pickup",
    "price",
    "gift",
    "wrap",
    "account",
    "password",
    "card",
    "voucher",
    "membership",
    "points",
    "express",
    "overseas",
    "customs",
    "tax",
    "receipt",
    "damaged",
    "missing",
    "wrong",
    "late",
]
FRAMES = ("how do i {} my {}", "can i {} the {}", "where is my {} {}", "is {} {} possible", "what about {} and {}")
LEVELS = Matching()


def entries(seed: int = 5, count: int = 40) -> list[FaqEntry]:
    """`count` entries of up to five asks, each entry about two words of a shop's vocabulary."""
    rng = random.Random(seed)
    found = []
    for number in range(count):
        a, b = random.Random(number * 7 + seed).sample(WORDS, 2)
        asks = tuple(dict.fromkeys(rng.choice(FRAMES).format(a, b) + f" {rng.randrange(9)}" for _ in range(5)))
        found.append(FaqEntry(id=f"e{number}", title=asks[0], asks=tuple(Ask(text=t) for t in asks), reply="r"))
    return found


def messages(seed: int = 105) -> list[str]:
    rng = random.Random(seed)
    return list(dict.fromkeys(rng.choice(FRAMES).format(*rng.sample(WORDS, 2)) for _ in range(400)))


UNRELATED = FaqEntry(
    id="zz",
    title="alpha beta gamma",
    asks=tuple(Ask(text=t) for t in ("alpha beta gamma", "delta epsilon", "zeta eta theta", "iota kappa", "lambda mu")),
    reply="r",
)


def decisions(outcome: Outcome) -> list[tuple[str, str | None, str, str | None]]:
    return [(p.old.decision.value, p.old.entry, p.new.decision.value, p.new.entry) for p in outcome.pairs]


def changed(outcome: Outcome) -> list[str]:
    return [p.text for p in outcome.pairs if (p.old.decision, p.old.entry) != (p.new.decision, p.new.entry)]


def test_an_entry_no_message_shares_a_word_with_still_changes_decisions_and_the_fast_path_finds_them() -> None:
    """IR-2, D-8: adding an entry moves the calibration map and every idf, so messages that share
    nothing with it are decided differently; skipping them (scoring only messages that touch the
    change) would miss every one. The fast path gives exactly what scoring everything gives."""
    old, new = Matcher(entries()), Matcher([*entries(), UNRELATED])
    texts = messages()
    assert old.calibration.thresholds != new.calibration.thresholds
    fast = compare_messages(old, new, LEVELS, LEVELS, texts)
    full = compare_messages(old, new, LEVELS, LEVELS, texts, fast=False)
    assert (fast.path, full.path) == ("fast", "full")
    assert decisions(fast) == decisions(full)
    moved = changed(full)
    assert moved, "the shop must show the effect this test is about"
    unrelated = {f for ask in UNRELATED.asks for f in counted(new.normalize(ask.text))}
    assert all(unrelated.isdisjoint(counted(new.normalize(text))) for text in moved)
    assert fast.rescored < len(texts)  # and it did skip some


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_path_equals_scoring_everything_when_one_entry_gains_asks(seed: int) -> None:
    before = entries(seed)
    after = list(before)
    target = after[seed]
    after[seed] = target.model_copy(
        update={"asks": (*target.asks, Ask(text="where is my refund parcel"), Ask(text="cancel my order please"))}
    )
    old, new = Matcher(before), Matcher(after)
    texts = messages(seed + 100)
    fast = compare_messages(old, new, LEVELS, LEVELS, texts)
    full = compare_messages(old, new, LEVELS, LEVELS, texts, fast=False)
    assert fast.path == "fast"
    assert decisions(fast) == decisions(full)
    assert changed(full)


def test_fast_path_applies_new_levels_and_auto_never() -> None:
    before = entries(4)
    after = [e.model_copy(update={"auto": False}) if e.id == "e3" else e for e in before]
    old, new = Matcher(before), Matcher(after)
    texts = messages(104) + [ask.text for ask in before[3].asks]
    strict = Matching(confidence=80, suggest=30, margin=4)
    fast = compare_messages(old, new, LEVELS, strict, texts)
    full = compare_messages(old, new, LEVELS, strict, texts, fast=False)
    assert decisions(fast) == decisions(full)
    assert any(old_d == "auto_send" and new_d == "suggest" for old_d, _, new_d, _ in decisions(full))


def test_an_unchanged_matcher_judges_the_old_scores_at_the_new_levels() -> None:
    matcher = Matcher(entries())
    texts = messages()
    lower = Matching(confidence=60, suggest=20, margin=2)
    same = compare_messages(matcher, matcher, LEVELS, lower, texts)
    assert same.path == "same" and same.rescored == 0
    assert [(p.new.decision, p.new.entry) for p in same.pairs] == [
        (m.decision, m.best.entry if m.best and m.decision.value != "none" else None)
        for m in (matcher.match(text, lower) for text in texts)
    ]


def test_changed_synonyms_score_every_message_again() -> None:
    old = Matcher(entries())
    new = Matcher(entries(), [SynonymGroup(terms=("parcel", "package"))])
    outcome = compare_messages(old, new, LEVELS, LEVELS, messages()[:20])
    assert outcome.path == "full" and outcome.rescored == 20
    assert "synonyms" in outcome.reason


def test_quick_decides_as_match_does() -> None:
    matcher = Matcher(entries())
    texts = messages() + [ask.text for entry in entries() for ask in entry.asks]
    for text in texts:
        message = matcher.normalize(text)
        got = quick(matcher, message, matcher.scorer.score(message).raw, LEVELS)
        match = matcher.match(text, LEVELS)
        assert got.decision == match.decision, text
        if match.decision.value != "none" and match.best is not None:
            assert got.entry == match.best.entry, text


@pytest.mark.parametrize("values", [[0.5, 0.5, 0.2, 0.5, 0.9, 0.0], [0.0] * 7, [0.3, 0.1], [1.0, 0.2, 0.2, 0.2, 0.2]])
def test_top_entries_is_the_head_of_a_stable_sort(values: list[float]) -> None:
    raw = np.asarray(values)
    for count in (1, 2, 3, 5):
        assert top_entries(raw, count) == np.argsort(-raw, kind="stable")[:count].tolist()


def test_levels_written_in_another_file_are_the_same_levels() -> None:
    """The old side is a revision's copy: its levels have another span, not other values."""
    from kefu.engine.diagnostics import Span

    matcher = Matcher(entries())
    here = Matching(span=Span(file="rules/shop.kefu", line=3, column=1, end_line=3, end_column=2))
    there = Matching(span=Span(file="/tmp/kefu-rev-x/rules/shop.kefu", line=3, column=1, end_line=3, end_column=2))
    outcome = compare_messages(matcher, matcher, there, here, messages()[:5])
    assert outcome.reason.endswith("so are the levels")


@pytest.mark.parametrize("values", [[0.5, 0.5, 0.2, 0.5, 0.9, 0.0], [0.0] * 7, [0.3, 0.1], [0.9, 0.9]])
def test_top_two_is_the_head_of_a_stable_sort(values: list[float]) -> None:
    raw = np.asarray(values)
    assert top_two(raw) == np.argsort(-raw, kind="stable")[:2].tolist()


def edited(before: list[FaqEntry], seed: int) -> list[FaqEntry]:
    """A few random edits of the kinds a merchant makes: an ask reworded, added or dropped, keywords,
    `auto never`, an entry removed or added."""
    rng = random.Random(seed)
    after = list(before)
    for _ in range(rng.randrange(1, 4)):
        place = rng.randrange(len(after))
        entry = after[place]
        asks = list(entry.asks)
        kind = rng.choice(["reword", "add", "drop", "keywords", "never", "remove", "new"])
        if kind == "reword":
            asks[0] = Ask(text=rng.choice(FRAMES).format(*rng.sample(WORDS, 2)))
        elif kind == "add":
            asks.append(Ask(text=rng.choice(FRAMES).format(*rng.sample(WORDS, 2))))
        elif kind == "drop" and len(asks) > 2:
            asks.pop()
        elif kind == "keywords":
            after[place] = entry.model_copy(update={"keywords": tuple(rng.sample(WORDS, 2))})
            continue
        elif kind == "never":
            after[place] = entry.model_copy(update={"auto": not entry.auto})
            continue
        elif kind == "remove" and len(after) > 3:
            after.pop(place)
            continue
        elif kind == "new":
            texts = [rng.choice(FRAMES).format(*rng.sample(WORDS, 2)) for _ in range(4)]
            after.append(FaqEntry(id=f"n{seed}", title=texts[0], asks=tuple(Ask(text=t) for t in texts), reply="r"))
            continue
        after[place] = entry.model_copy(update={"asks": tuple(asks)})
    return after


@pytest.mark.parametrize("seed", range(8))
def test_fast_path_equals_scoring_everything_after_random_edits(seed: int) -> None:
    before = entries(seed + 10, count=30)
    old, new = Matcher(before), Matcher(edited(before, seed))
    texts = messages(seed + 200)[:150] + [ask.text for entry in before[:10] for ask in entry.asks]
    fast = compare_messages(old, new, LEVELS, LEVELS, texts)
    full = compare_messages(old, new, LEVELS, LEVELS, texts, fast=False)
    assert fast.path == "fast"
    assert decisions(fast) == decisions(full)
