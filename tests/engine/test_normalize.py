"""Normalisation rules, one test each (issue #3 §1); the original text is never changed."""

from __future__ import annotations

import pytest

from kefu.engine.features import features
from kefu.engine.normalize import Normalizer, fold
from kefu.engine.rules import SynonymGroup


@pytest.mark.parametrize(
    "text, folded",
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width to half-width (NFKC)
        ("Where IS My Order", "where is my order"),  # case folding
        ("Straße", "strasse"),  # full case folding, not lower()
        ("請問商品包郵麼", "请问商品包邮么"),  # Traditional folded to Simplified
        ("请问商品包邮么", "请问商品包邮么"),  # Simplified stays
        ("有包郵嗎？！", "有包邮吗"),  # punctuation, full-width too
        ("好的😀👍謝謝", "好的 谢谢"),  # emoji are separators
        ("  a \t\n b  ", "a b"),  # whitespace collapsed
        ("", ""),
        ("   ", ""),
        ("😀😀", ""),
        ("\x00\x01", ""),  # nothing left to match
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_both_scripts_fold_to_the_same_text() -> None:
    """KB-3: a zh-Hant knowledge base must match zh-Hans messages."""
    assert fold("這個商品有免運費嗎") == fold("这个商品有免运费吗")


def test_synonyms_replace_every_term_by_the_first_and_say_so() -> None:
    normalize = Normalizer(
        [SynonymGroup(terms=("包郵", "免運", "免運費")), SynonymGroup(terms=("refund", "money back"))]
    )
    result = normalize("這個免運費嗎")
    assert result.text == "这个包邮吗"
    assert result.synonyms == (("免运费", "包邮"),)  # longest term first: 免運費, not 免運 + 費
    assert result.original == "這個免運費嗎"
    assert normalize("I want my MONEY BACK").text == "i want my refund"


def test_latin_synonyms_match_whole_words_only() -> None:
    normalize = Normalizer([SynonymGroup(terms=("tv", "television"))])
    assert normalize("television set").text == "tv set"
    assert normalize("televisions").text == "televisions"


def test_huge_message_is_bounded() -> None:
    assert len(fold("包郵" * 50_000)) <= 2000
    assert len(features(fold("word " * 100_000))) <= 4000


def test_chinese_without_spaces_is_not_one_token() -> None:
    found = features(fold("請問商品包郵麼"))
    assert "c2:包邮" in found and "c1:包" in found and "c3:商品包" in found


def test_latin_words_bigrams_and_char_grams() -> None:
    found = features(fold("Where are my orders"))
    assert {"w:where", "w:order", "b:my order", "g:<ord"} <= set(found)
