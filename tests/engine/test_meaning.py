"""The meaning check before an auto-send (`engine.meaning`, issue 12): a guess the calibrated score
and margin would send goes out only when it also means what the entry means."""

from __future__ import annotations

import pickle

import pytest

from kefu.engine.match import Decision
from kefu.engine.matcher import Matcher
from kefu.engine.meaning import (
    BACKGROUND_ENTRIES,
    BACKGROUND_TEXTS,
    MEANING_FLOOR,
    PLACES,
    Meaning,
    MeaningUnavailable,
    _message,
)
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
# a dozen-entry zh-Hans shop (written for this test): a static embedding finds two unrelated texts of
# it about 0.45 alike, where two unrelated texts of UTILITY are about 0.1 alike
SHOP_ZH = {
    "shipping.fee": ["运费怎么算", "有包邮吗", "邮费多少钱", "满多少包邮", "偏远地区要加运费吗"],
    "shipping.time": ["什么时候发货", "今天下单明天能发吗", "几天能到", "发什么快递", "快递到了吗"],
    "returns": ["怎么退货", "可以七天无理由退货吗", "退货地址是哪里", "退货运费谁出", "我想退掉这件"],
    "size": ["我身高165穿什么码", "尺码偏大还是偏小", "有没有大码", "腰围70选哪个尺码", "M码适合多重"],
    "invoice": ["可以开发票吗", "发票什么时候寄", "能开专票吗", "发票抬头怎么填", "电子发票在哪下载"],
    "discount": ["有优惠券吗", "能便宜点吗", "双十一有活动吗", "满减怎么算", "老客户有折扣吗"],
    "stock": ["还有货吗", "什么时候补货", "这个颜色缺货了吗", "预售多久发", "断码了吗"],
    "payment": ["可以货到付款吗", "能用信用卡付吗", "支付失败怎么办", "可以分期吗", "付款后多久确认"],
    "address": ["地址写错了能改吗", "帮我改一下收货地址", "电话号码填错了", "可以换个收件人吗", "改地址来得及吗"],
    "quality": ["收到的衣服有破洞", "质量太差了", "东西坏了怎么办", "有色差", "少发了一件"],
    "greeting": ["你好", "在吗", "有人吗", "亲在不在", "客服在吗"],
    "thanks": ["谢谢", "好的谢谢亲", "麻烦你了", "辛苦了", "感谢"],
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


def shop(entries: dict[str, list[str]]) -> Matcher:
    return Matcher(
        [FaqEntry(id=k, title=v[0], asks=tuple(Ask(text=t) for t in v[1:]), reply="r") for k, v in entries.items()]
    )


@pytest.fixture(scope="module")
def utility() -> Matcher:
    return shop(UTILITY)


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
    broken_shop = shop(UTILITY)
    for message in PARAPHRASES:
        match = broken_shop.match(message, LEVELS)
        assert match.decision is Decision.suggest and match.meaning is None
        assert "the meaning check cannot run (FileNotFoundError: l2_supercat_256.safetensors)" in match.reason
    assert broken_shop.match("Heads or tails?", LEVELS).decision is Decision.auto_send
    assert not broken_shop.means(broken_shop.normalize("how do you spell definitely"), "spelling")
    _message.cache_clear()


def test_meaning_is_built_as_the_lexical_similarity_is() -> None:
    """The best text and the centroid weigh alike on both sides (engine.meaning cannot import the
    matcher's constant: the matcher imports it)."""
    from kefu.engine import matcher, meaning

    assert meaning.ASK_WEIGHT == matcher.ASK_WEIGHT


def test_meaning_is_measured_above_the_shops_background(utility: Matcher) -> None:
    """What is compared with the floor is how much closer the message is to the entry than the shop's
    texts are to entries they are not of: (similarity - background) / (1 - background), in 0-1."""
    meaning = utility.meaning
    background = meaning.background()
    assert 0.0 < background < 0.3  # unrelated English texts share little
    for message, entry in (*PARAPHRASES.items(), *((c, "spelling") for c in CONVERSIONS)):
        number = utility.numbers[entry]
        text = utility.normalize(message).text
        relative = (meaning.similarity(text, number) - background) / (1 - background)
        assert meaning.of(text, number) == round(min(max(relative, 0.0), 1.0), PLACES)


def test_the_background_is_the_mean_similarity_of_every_text_to_every_other_entry() -> None:
    """Computed at once for the whole shop; the same as asking each (text, other entry) pair."""
    texts = [["do you ship overseas", "international shipping"], ["return an item", "refund"], ["", "size chart"]]
    meaning = Meaning(texts)
    kept = [[t for t in entry if t.strip()] for entry in texts]
    pairs = [
        meaning.similarity(t, other) for e, entry in enumerate(kept) for t in entry for other in range(3) if other != e
    ]
    assert meaning.background() == pytest.approx(sum(pairs) / len(pairs), abs=1e-9)
    assert Meaning([["one entry", "alone"]]).background() == 0.0  # nothing to compare with
    assert Meaning([["one entry"], ["", " "]]).background() == 0.0  # the other has no text


def test_a_large_shops_background_is_a_sample_drawn_the_same_way_every_time() -> None:
    """Beyond BACKGROUND_ENTRIES entries a fixed sample of them: the same number from a fresh copy, and
    whichever of its entries was embedded first."""
    texts = [
        [f"question number {n} about topic {n % 7}", f"another way to ask {n}"] for n in range(BACKGROUND_ENTRIES + 36)
    ]
    first = Meaning(texts)
    background = first.background()
    again = Meaning(texts)
    again.of("question number 3", 99)  # an entry the sample may not hold, embedded first
    _message.cache_clear()
    assert again.background() == background and 0.0 < background < 1.0


def test_the_check_asks_as_much_of_a_chinese_shop_as_of_an_english_one() -> None:
    """Two unrelated Chinese texts sit about 0.45 apart in the embedding, two English ones about 0.15:
    a floor on the similarity itself would let any Chinese guess through. Measured above each shop's
    background, paraphrases pass and unrelated questions do not, in both."""
    chinese = shop(SHOP_ZH)
    assert chinese.meaning.background() > shop(UTILITY).meaning.background() + 0.2
    for message, entry in (("怎么申请退货", "returns"), ("开发票", "invoice"), ("邮费怎么计算", "shipping.fee")):
        assert chinese.means(chinese.normalize(message), entry), message
    for message, entry in (("会员怎么办", "quality"), ("保质期多久", "stock")):  # membership; shelf life
        text, number = chinese.normalize(message).text, chinese.numbers[entry]
        assert chinese.meaning.similarity(text, number) > 0.425  # the similarity alone would pass them
        assert not chinese.means(chinese.normalize(message), entry), message


def test_an_entry_of_thousands_of_asks_costs_the_background_no_more_than_its_first_texts() -> None:
    """The background reads each entry by its first BACKGROUND_TEXTS texts: a shop of a few huge
    entries is measured as quickly as any, and as if its entries were cut there."""
    huge = [[f"question {n} about parcels and delivery number {i}" for i in range(3000)] for n in range(3)]
    cut = [texts[:BACKGROUND_TEXTS] for texts in huge]
    assert Meaning(huge).background() == Meaning(cut).background() > 0.0
