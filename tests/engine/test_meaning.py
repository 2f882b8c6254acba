"""The meaning check before an auto-send (`engine.meaning`, issue 12): a guess the calibrated score
and margin would send goes out only when it also means what the entry means."""

from __future__ import annotations

import pickle

import pytest

from kefu.engine.match import Decision
from kefu.engine.matcher import Matcher
from kefu.engine.meaning import MEANING_FLOOR, PLACES, Meaning, MeaningUnavailable, _message
from kefu.engine.rules import Ask, FaqEntry, Matching

# a dozen-entry assistant shop, none of whose entries shares a frame with another (written for this test)
UTILITY = {
    "spelling": [
        "how do you spell receive",
        "how many es are in receiving",
        "spell the word necessary",
        "what is the spelling of rhythm",
        "how many letters are in the word banana",
    ],
    "timer": [
        "set a timer for ten minutes",
        "start a timer",
        "countdown 5 minutes please",
        "can you time 20 seconds",
        "put a timer on for the pasta",
    ],
    "weather": [
        "what is the weather today",
        "will it rain tomorrow",
        "how hot is it outside",
        "is it going to snow",
        "weather forecast for the weekend",
    ],
    "time": [
        "what time is it",
        "tell me the current time",
        "what is the time in tokyo",
        "do you know what time it is",
        "current time please",
    ],
    "date": [
        "what is the date today",
        "what day is it",
        "what is today's date",
        "which day of the week is it",
        "tell me the date",
    ],
    "alarm": [
        "wake me up at 7",
        "set an alarm for 6 am",
        "alarm at noon please",
        "i need an alarm tomorrow morning",
        "create an alarm for 5:30",
    ],
    "flip_coin": ["flip a coin", "heads or tails", "toss a coin for me", "can you flip a coin", "coin toss please"],
    "roll_dice": ["roll a dice", "roll two dice", "give me a random dice roll", "throw a die", "roll a six sided die"],
    "calculator": [
        "what is 15 times 4",
        "add 23 and 19",
        "what's the square root of 81",
        "divide 100 by 7",
        "calculate 12 percent of 250",
    ],
    "definition": [
        "what does ephemeral mean",
        "define serendipity",
        "meaning of the word ubiquitous",
        "what is the definition of apathy",
        "tell me what gregarious means",
    ],
    "share_location": [
        "share my location with mom",
        "send my location to john",
        "let my wife know where i am",
        "share where i am with my team",
        "send my current location",
    ],
    "text": [
        "text my brother that i'm late",
        "send a message to anna",
        "message dad saying happy birthday",
        "send a text to my boss",
        "tell sarah via text i'm on my way",
    ],
}
LEVELS = Matching()
# questions about a conversion the shop has no entry for: they share the frame of `spelling`'s
# "how many es are in receiving" and nothing with any other entry
CONVERSIONS = ("how many pounds are in 10 kilos", "how many ounces are in a cup", "how many cups are in a gallon")
PARAPHRASES = {
    "how do you spell definitely": "spelling",
    "set a timer for 3 minutes": "timer",
    "flip a coin for me please": "flip_coin",
}


@pytest.fixture(scope="module")
def utility() -> Matcher:
    return Matcher(
        [FaqEntry(id=k, title=v[0], asks=tuple(Ask(text=t) for t in v[1:]), reply="r") for k, v in UTILITY.items()]
    )


@pytest.mark.parametrize("message", CONVERSIONS)
def test_D8_a_guess_sharing_only_its_frame_with_an_entry_is_suggested_not_auto_sent(
    utility: Matcher, message: str
) -> None:
    """Issue 12: the lexical score alone would send it (score >= 95, margin >= 8); its meaning is
    far from the entry's, so it is suggested, and the reason says why."""
    match = utility.match(message, LEVELS)
    assert match.best is not None and match.best.entry == "spelling"
    assert match.best.score >= LEVELS.confidence and match.margin >= LEVELS.margin
    assert match.meaning is not None and match.meaning < MEANING_FLOOR
    assert match.decision is Decision.suggest
    assert "its meaning is far from 'spelling'" in match.reason and "not auto-sent" in match.reason
    utility.meaning_floor = 0.0  # the check off (what the benches compare against): the lexical decision
    try:
        assert utility.match(message, LEVELS).decision is Decision.auto_send
    finally:
        utility.meaning_floor = MEANING_FLOOR


@pytest.mark.parametrize(("message", "entry"), PARAPHRASES.items())
def test_D8_a_paraphrase_that_means_its_entry_is_still_auto_sent(utility: Matcher, message: str, entry: str) -> None:
    match = utility.match(message, LEVELS)
    assert match.decision is Decision.auto_send and match.best is not None and match.best.entry == entry
    assert match.meaning is not None and match.meaning >= MEANING_FLOOR
    assert f"meaning {match.meaning:.3f} >= {MEANING_FLOOR:g}" in match.reason


def test_only_a_guess_about_to_be_auto_sent_is_checked(utility: Matcher) -> None:
    """An exact ask is evidence of its own (score 100); a suggestion or no answer is never held back."""
    exact = utility.match("Heads or tails?", LEVELS)
    assert exact.exact and exact.decision is Decision.auto_send and exact.meaning is None
    suggested = utility.match("what is the weather in paris", LEVELS)
    assert suggested.decision is Decision.suggest and suggested.meaning is None
    nothing = utility.match("convert 5 miles to kilometers", LEVELS)
    assert nothing.decision is Decision.none and nothing.meaning is None


def test_decision_without_a_match_checks_meaning_as_match_does(utility: Matcher) -> None:
    """`Matcher.decision` (what `engine.rescore` and the benches decide with) gives what `match` does."""
    for message in (*CONVERSIONS, *PARAPHRASES, "Heads or tails?", "what is the weather in paris"):
        normal = utility.normalize(message)
        order, raw, exact = utility.ranked(normal, utility.scorer.score(normal), 2)
        got = utility.decision(order[0], raw[0], raw[1], exact >= 0, LEVELS, normal)
        assert got is utility.match(message, LEVELS).decision, message


def test_checking_meaning_leaves_the_matcher_as_it_was(utility: Matcher) -> None:
    """The embedded entries are a memo: a compiled shop pickles to the same bytes after a decision
    (decide is pure, tests/engine/test_purity.py), and a copy decides the same."""
    fresh = Matcher(utility.entries)
    before = pickle.dumps(fresh)
    decided = [fresh.match(m, LEVELS).decision for m in (*CONVERSIONS, *PARAPHRASES)]
    assert pickle.dumps(fresh) == before
    copy = pickle.loads(before)
    assert [copy.match(m, LEVELS).decision for m in (*CONVERSIONS, *PARAPHRASES)] == decided


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01\x02", "ship " * 50_000, "請問商品包郵麼?", "🙂🙂"])
def test_meaning_of_any_message_is_a_similarity_between_0_and_1_the_same_every_time(message: str) -> None:
    """Replay depends on it: computed again from nothing (no memo, no cached message), the same number."""
    texts = [["do you ship overseas", "international shipping"], [], ["", "  "]]  # normalised: emoji gone
    first = Meaning(texts)
    values = [first.of(message, entry) for entry in (0, 1, 2)]
    _message.cache_clear()
    again = Meaning(texts)
    assert [again.of(message, entry) for entry in (0, 1, 2)] == values
    assert all(0.0 <= value <= 1.0 and value == round(value, PLACES) for value in values)
    assert values[1:] == [0.0, 0.0]  # an entry with no text, or only blank ones, means nothing
    if not message.strip():
        assert values[0] == 0.0  # nor does a blank message


def test_the_check_reads_both_chinese_scripts_alike() -> None:
    """Both sides are normalised as the lexical scorer sees them: a shop written in Traditional checks
    a customer as the same shop written in Simplified does, whichever script the customer writes."""

    def shop(free: str, ask: str, returns: str, how: str) -> Matcher:
        return Matcher(
            [
                FaqEntry(id="shipping.free", title=free, asks=(Ask(text=ask),), reply="r"),
                FaqEntry(id="return.request", title=returns, asks=(Ask(text=how),), reply="r"),
            ]
        )

    traditional = shop("請問商品包郵麼?", "這個有包郵嗎", "我想退貨", "怎麼申請退貨")
    simplified = shop("请问商品包邮么?", "这个有包邮吗", "我想退货", "怎么申请退货")
    for message in ("運費怎麼算,有包郵嗎", "运费怎么算,有包邮吗"):
        seen = {m.meaning.of(m.normalize(message).text, 0) for m in (traditional, simplified)}
        assert len(seen) == 1 and seen.pop() > 0


def test_D8_a_guess_held_back_under_the_suggest_level_gets_no_answer(utility: Matcher) -> None:
    """A shop may set `suggest` above `confidence`: a held-back guess scoring between them is not an
    answer at all (the lexical rules would have sent it; nothing says it may be suggested)."""
    levels = Matching(confidence=95, suggest=97)
    match = utility.match(CONVERSIONS[0], levels)
    assert match.best is not None and LEVELS.confidence <= match.best.score < 97
    assert match.decision is Decision.none and match.meaning is not None
    assert match.reason.startswith("no answer: ") and "(the suggest level)" in match.reason


def test_without_its_model_the_check_holds_every_guess_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken install (the wheel's weights missing): no guess is auto-sent unchecked; exact asks still are."""

    def broken() -> None:
        raise MeaningUnavailable("FileNotFoundError: l2_supercat_256.safetensors")

    monkeypatch.setattr("kefu.engine.meaning.embedder", broken)
    _message.cache_clear()
    shop = Matcher(
        [FaqEntry(id=k, title=v[0], asks=tuple(Ask(text=t) for t in v[1:]), reply="r") for k, v in UTILITY.items()]
    )
    for message in PARAPHRASES:
        match = shop.match(message, LEVELS)
        assert match.decision is Decision.suggest and match.meaning is None
        assert "the meaning check cannot run (FileNotFoundError: l2_supercat_256.safetensors)" in match.reason
    assert shop.match("Heads or tails?", LEVELS).decision is Decision.auto_send
    assert not shop.means(shop.normalize("how do you spell definitely"), "spelling")
    _message.cache_clear()


def test_meaning_is_built_as_the_lexical_similarity_is() -> None:
    """The best text and the centroid weigh alike on both sides (engine.meaning cannot import the
    matcher's constant: the matcher imports it)."""
    from kefu.engine import matcher, meaning

    assert meaning.ASK_WEIGHT == matcher.ASK_WEIGHT
