"""Intent recognition: KB-3, IR-1, IR-2, IR-3, D-8 and the known traps of fuzzy matching."""

from __future__ import annotations

import time

import pytest

from kefu.dsl.load import load
from kefu.engine.matcher import Decision, Matcher
from kefu.engine.rules import Ask, FaqEntry, Matching, SynonymGroup
from tests.conftest import RULES


@pytest.fixture(scope="module")
def tw() -> tuple[Matcher, Matching]:
    shop = load([RULES / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    return Matcher(shop.entries, shop.synonyms), shop.policy.matching


def entry(ident: str, *asks: str, auto: bool = True) -> FaqEntry:
    return FaqEntry(id=ident, title=asks[0], asks=tuple(Ask(text=a) for a in asks), reply="r", auto=auto)


@pytest.mark.parametrize(
    "message",
    [
        "請問商品包郵麼?",  # the page's own ask
        "這個有包郵嗎",
        "请问商品包邮吗",  # Simplified script against a Traditional KB
        "有免運費嗎?",  # a synonym of 包郵
        "买多少可以免运费",
        "商品包郵嗎😀",
    ],
)
def test_KB3_free_shipping_in_any_wording_is_that_entry(tw: tuple[Matcher, Matching], message: str) -> None:
    """KB-3: any customer message about 商品包郵 is recognised as the page's example entry."""
    matcher, levels = tw
    assert matcher.match(message, levels).best.entry == "shipping.free"


def test_IR1_every_message_is_matched_against_the_shops_own_kb(tw: tuple[Matcher, Matching]) -> None:
    """IR-1 (and KB-1): candidates come from this shop's entries only, with what drove each score."""
    matcher, levels = tw
    ids = {e.id for e in matcher.entries}
    result = matcher.match("運費怎麼算", levels)
    assert result.best.entry == "shipping.fee"
    assert {c.entry for c in result.candidates} <= ids
    assert result.best.ask  # the ask behind the score, for --explain


@pytest.mark.parametrize("message", ["你們老闆是誰", "", "   ", "😀😀😀", "\x00\x01\x02", "a", "?"])
def test_IR2_nothing_is_auto_sent_without_confident_recognition(tw: tuple[Matcher, Matching], message: str) -> None:
    """IR-2: off-topic, empty, emoji-only and junk messages are never auto-answered."""
    matcher, levels = tw
    assert matcher.match(message, levels).decision is not Decision.auto_send


def test_IR3_keywords_an_agent_types_rank_suggestions_the_same_way(tw: tuple[Matcher, Matching]) -> None:
    """IR-3: a couple of keywords typed by the agent find the entry."""
    matcher, levels = tw
    assert matcher.match("統編 發票", levels).best.entry == "invoice.company"


def test_D8_auto_send_needs_the_level_and_the_margin() -> None:
    """D-8: confident and clearly ahead of every other intent, or only a suggestion."""
    matcher = Matcher(
        [
            entry("a.refund", "how do i get a refund", "i want my money back", "refund my order please"),
            entry("b.return", "how do i return an item", "i want to send this back", "return my order please"),
        ]
    )
    strict = Matching(confidence=0, suggest=0, margin=100)
    assert matcher.match("how do i get a refund", strict).decision is Decision.suggest  # no margin of 100
    lax = Matching(confidence=0, suggest=0, margin=0)
    assert matcher.match("how do i get a refund", lax).decision is Decision.auto_send
    only_exact = Matching(confidence=100, suggest=0, margin=0)  # an exact ask scores 100, a guess never does
    assert matcher.match("how do i get a refund", only_exact).decision is Decision.auto_send
    assert matcher.match("how can i get my refund", only_exact).decision is Decision.suggest


def test_D8_an_entry_marked_auto_never_is_only_suggested() -> None:
    matcher = Matcher([entry("refund", "i want a refund", auto=False), entry("other", "where is my order")])
    assert matcher.match("i want a refund", Matching(confidence=0, suggest=0, margin=0)).decision is Decision.suggest


def test_trap_one_shared_word_does_not_tie_everything() -> None:
    """WRatio gives 85.5 to any short ask one of whose words is in a long message: here the
    entry that shares the most of the message wins clearly."""
    matcher = Matcher(
        [
            entry("order.status", "where is my order"),
            entry("order.cancel", "cancel my order"),
            entry("order.address", "change the address of my order"),
        ]
    )
    result = matcher.match("i placed an order last week and i would like to cancel my order now", Matching())
    assert result.best.entry == "order.cancel"
    assert result.margin > 5


def test_trap_all_words_of_a_short_ask_in_a_long_message_is_not_a_perfect_score() -> None:
    """token_set_ratio gives 100 whenever an ask's words all occur in the message."""
    matcher = Matcher([entry("hello", "hi"), entry("refund", "how do i get a refund for a broken item")])
    result = matcher.match("hi, my item arrived broken, how do i get a refund", Matching())
    assert result.best.entry == "refund"


def test_trap_a_very_short_message_does_not_match_everything(tw: tuple[Matcher, Matching]) -> None:
    matcher, levels = tw
    result = matcher.match("的", levels)
    assert result.decision is Decision.none or result.best.score < levels.confidence


def test_huge_and_binary_messages_take_bounded_time(tw: tuple[Matcher, Matching]) -> None:
    matcher, levels = tw
    started = time.perf_counter()
    assert matcher.match("包郵" * 50_000, levels).best.entry == "shipping.free"  # 100 KB, still about 包郵
    for message in ("x" * 100_000, bytes(range(256)).decode("latin-1") * 400):  # 100 KB of junk
        assert matcher.match(message, levels).decision is not Decision.auto_send
    assert time.perf_counter() - started < 5  # a guard against hangs, not a speed measurement


def test_synonyms_apply_to_asks_and_messages() -> None:
    matcher = Matcher([entry("tv", "is the television on sale")], [SynonymGroup(terms=("tv", "television"))])
    assert matcher.match("tv on sale?", Matching()).best.raw > 0.5


def test_an_empty_kb_never_answers() -> None:
    result = Matcher([]).match("hello", Matching())
    assert result.decision is Decision.none and result.candidates == ()


def test_scoring_adds_the_picked_rows_as_the_sparse_product_does(tw: tuple[Matcher, Matching]) -> None:
    """The scorer sums the index rows a message's features pick with plain numpy: the same
    additions in the same order as `rows.T @ weight` of the sparse library, so the very same bits
    (a tie between two entries breaks the same way as before)."""
    import numpy as np

    from kefu.engine.matcher import _sum_rows

    scorer = tw[0].scorer
    rng = np.random.default_rng(7)
    for size in (1, 2, 5, 30, 200):
        rows = rng.choice(len(scorer.vocabulary), size=size, replace=False)
        weight = rng.random(size)
        for matrix, width in ((scorer.asks_t, len(scorer.texts)), (scorer.centroids_t, scorer.entries)):
            expected = np.asarray(matrix[rows].T @ weight).ravel()
            assert _sum_rows(matrix, rows, weight, width).tobytes() == expected.tobytes()


def test_scoring_long_rows_adds_them_as_the_sparse_product_does_too() -> None:
    """Rows picking many stored values (a word thousands of asks share) are copied slice by slice
    instead of gathered by position: still the very same bits as the sparse product, empty rows
    among them or not."""
    import numpy as np
    from scipy import sparse

    from kefu.engine.matcher import SLICED_FROM, _sum_rows

    rng = np.random.default_rng(11)
    matrix = sparse.random(300, 5000, density=0.05, format="lil", random_state=3)
    matrix[::7] = 0  # some rows store nothing
    matrix = matrix.tocsr()
    totals = []
    for size in (20, 60, 150, 300):
        rows = rng.choice(300, size=size, replace=False)
        weight = rng.random(size)
        totals.append(int(np.diff(matrix.indptr)[rows].sum()))
        expected = np.asarray(matrix[rows].T @ weight).ravel()
        assert _sum_rows(matrix, rows, weight, 5000).tobytes() == expected.tobytes()
    assert min(totals) < SLICED_FROM <= max(totals)  # both ways of taking the rows were checked
    empty = sparse.csr_matrix((300, 5000))
    assert not _sum_rows(empty, np.arange(300), np.ones(300), 5000).any()


def test_each_ask_is_indexed_as_its_counted_features_weighted_by_rarity() -> None:
    """The index is built in one pass over every distinct text's features (no counter per text):
    each row must still be the ask's sublinear term frequency (1 + ln count) times the feature's
    idf, L2-normalised, with synonyms applied, a repeated text (a title that is also an ask) and a
    repeated feature counted as they are. Computed here the plain way, one text at a time."""
    import math
    from collections import Counter

    import numpy as np

    from kefu.engine.features import features

    entries = [
        FaqEntry(
            id="ship", title="free shipping", asks=(Ask(text="free shipping"), Ask(text="免運費嗎 免運費嗎")), reply="r"
        ),
        FaqEntry(
            id="back", title="refund", asks=(Ask(text="money back money back money back"), Ask(text="")), reply="r"
        ),
        FaqEntry(id="kw", title="包郵嗎", asks=(Ask(text="有包郵嗎"),), reply="r", keywords=("包郵", "shipping")),
    ]
    synonyms = [SynonymGroup(terms=("包郵", "免運費")), SynonymGroup(terms=("refund", "money back"))]
    scorer = Matcher(entries, synonyms).scorer
    normalize = scorer.normalize
    counts = [Counter(features(normalize(text).text)) for text in scorer.texts]
    assert scorer.normal == [normalize(text).text for text in scorer.texts]
    frequency = Counter(feature for count in counts for feature in count)
    for row, count in enumerate(counts):
        expected = {
            scorer.vocabulary[feature]: (1 + math.log(n)) * (math.log((1 + len(counts)) / (1 + frequency[feature])) + 1)
            for feature, n in count.items()
        }
        norm = math.sqrt(sum(value * value for value in expected.values())) or 1.0
        start, end = scorer.asks.indptr[row], scorer.asks.indptr[row + 1]
        stored = dict(zip(scorer.asks.indices[start:end].tolist(), scorer.asks.data[start:end].tolist()))
        assert stored.keys() == expected.keys(), scorer.texts[row]
        assert np.allclose([stored[c] for c in expected], [v / norm for v in expected.values()], rtol=1e-12)
    assert counts[scorer.texts.index("money back money back money back")]["w:refund"] == 3
    assert scorer.exact[normalize("有包郵嗎").text] == 2 and "" not in scorer.exact
