"""What the engine gives the terminal UI (issue 11 §1): the event behind every action, the `why` of
each send, suggest and notice, the answer a rating rates, and kefu's words in the shop's language."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.engine import clock
from kefu.engine.decide import CompiledShop, decide
from kefu.engine.events import Action, Kind, Sender
from kefu.engine.inbox import State
from kefu.engine.simulate import Simulation
from kefu.engine.wording import WORDING, language_of
from tests.engine.plays import (
    DAY,
    EVENTS,
    NIGHT,
    SHIPPING,
    STATUS,
    UNKNOWN,
    at,
    of,
    online,
    opens,
    says,
    sends,
    variant,
)

TW_FILE = "rules/shops/tw/shop.kefu"


def stream(rules: CompiledShop, *events: dict[str, Any], explain: bool = False) -> list[Action]:
    """Events played as `kefu simulate` plays a file: line n is event n."""
    simulation = Simulation({rules.shop.id: rules.shop}, lambda _: rules, explain=explain)
    actions: list[Action] = []
    for line, event in enumerate(EVENTS.validate_python(list(events)), start=1):
        played = simulation.play(event, line)
        assert isinstance(played, list), played
        actions += [action for step in played for action in step.actions]
    return actions


def test_every_action_names_the_event_that_caused_it(tw: CompiledShop) -> None:
    actions = stream(tw, says(NIGHT, SHIPPING), online(DAY, "amy"), says(at(DAY, 1), STATUS, "c2"))
    by_event = {action.event for action in actions}
    assert by_event == {1, 2, 3}
    assert [a.event for a in of(actions, "session_opened")] == [1, 3]
    assert [a.event for a in of(actions, "assign")] == [2, 3]  # amy takes c1 when she comes online


def test_a_tick_kefu_adds_carries_the_number_of_the_event_that_moved_the_clock(tw: CompiledShop) -> None:
    """Two days later the clock ticks first (D-1): the session closes, caused by event 2's arrival."""
    actions = stream(tw, says(NIGHT, SHIPPING), says(at(NIGHT, 3 * 24 * 60), SHIPPING, "c2"))
    [closed] = of(actions, "session_closed")
    assert (closed.conversation, closed.event) == ("c1", 2)


def test_decide_without_a_stream_number_leaves_event_out(tw: CompiledShop) -> None:
    [event] = EVENTS.validate_python([says(NIGHT, SHIPPING)])
    outcome = decide(State.initial(tw.shop), event, tw, clock.aware(tw.shop, event.time))
    assert outcome.actions and all(action.event is None for action in outcome.actions)
    assert '"event"' not in outcome.actions[0].model_dump_json(exclude_none=True)


def test_no_action_carries_a_why_unless_asked(tw: CompiledShop) -> None:
    events = (says(NIGHT, SHIPPING), says(at(NIGHT, 1), UNKNOWN), online(DAY, "amy"), opens(at(DAY, 1), "amy"))
    assert all(getattr(action, "why", None) is None for action in stream(tw, *events))
    explained = stream(tw, *events, explain=True)
    for action in explained:
        assert (getattr(action, "why", None) is not None) == (
            action.type in ("suggest", "notice") or (action.type == "send" and action.kind != Kind.greeting)
        ), action


def test_the_why_of_a_bot_answer_gives_the_match_and_the_policy_with_its_rules(tw: CompiledShop) -> None:
    [answer] = sends(stream(tw, says(NIGHT, SHIPPING), explain=True), Kind.answer)
    why = answer.why
    assert why is not None and why.matched is not None
    assert why.matched.message == SHIPPING and why.matched.decision == "auto_send"
    assert why.matched.candidates[0].entry == "shipping.free" == answer.entry
    assert why.matched.candidates[0].score == answer.score
    assert why.matched.levels.confidence == 95 and why.matched.levels.rule == f"{TW_FILE}:35"
    steps = {step.what: step for step in why.policy}
    assert steps["hours"].value == "outside working hours" and steps["hours"].rule == f"{TW_FILE}:2"
    assert steps["bot"].value == "on, off_hours" and steps["bot"].rule == f"{TW_FILE}:26"
    assert steps["online"].value == "nobody"
    assert steps["route"].value.startswith("the bot answers (no agent online")
    assert steps["repeats"].value.startswith("'shipping.free' auto-sent 0 time(s)")
    assert [step.what for step in why.policy][:2] == ["clock", "hours"]


def test_the_why_of_an_assist_auto_send_and_of_a_suggestion_while_the_agent_looks(tw: CompiledShop) -> None:
    actions = stream(
        tw,
        online(DAY, "bob"),
        says(at(DAY, 1), STATUS),  # bob holds c1 and is not looking: assist auto-sends (AR-3)
        opens(at(DAY, 2), "bob"),
        says(at(DAY, 3), STATUS),  # now he is (D-6): a suggestion, no auto-send
        explain=True,
    )
    [auto] = [a for a in sends(actions, Kind.answer) if a.sender == Sender.assist]
    assert auto.why is not None
    route = {step.what: step.value for step in auto.why.policy}
    assert route["route"] == "assist auto-sends for bob"
    assert route["online"] == "bob 1/3"
    assert "has no conversation open" in route["conversation"]
    suggestion = of(actions, "suggest")[-1]
    standing = {step.what: step.value for step in suggestion.why.policy}
    assert "has it open (D-6: no auto-send here)" in standing["conversation"]
    assert standing["route"] == "a human answers: bob has the conversation open (D-6)"


def test_a_switch_flipped_at_run_time_is_named_so_in_the_why(tw: CompiledShop) -> None:
    flip = {"type": "setting_change", "time": NIGHT, "actor": "mia", "setting": "bot", "value": "on"}
    [answer] = sends(stream(tw, flip, says(at(NIGHT, 1), SHIPPING), explain=True), Kind.answer)
    assert answer.why is not None
    assert {step.what: step.rule for step in answer.why.policy}["bot"] == "switched at run time"


def test_BOT8_a_rating_names_the_answer_it_rates(tw: CompiledShop) -> None:
    """BOT-8: under *each* bot answer the customer can rate it; the rating names which one."""
    rate = {"type": "customer_rating", "time": at(NIGHT, 5), "conversation": "c1", "solved": False}
    actions = stream(
        tw,
        says(NIGHT, SHIPPING),
        says(at(NIGHT, 1), STATUS),
        {**rate, "reason": "off_topic", "answer": 1},
        {**rate, "reason": "too_long"},
        {**rate, "reason": "other", "answer": 99},
    )
    assert [a.entry for a in sends(actions, Kind.answer)] == ["shipping.free", "order.status"]
    named, last, unknown = of(actions, "rated")
    assert (named.entry, named.sender, named.answer) == ("shipping.free", Sender.bot, 1)
    assert (last.entry, last.answer) == ("order.status", None)
    assert (unknown.entry, unknown.sender, unknown.answer) == (None, None, 99)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, "zh-Hant"), ("zh-Hant", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh", "zh-Hant"), ("zh-Hans", "zh-Hans")]
    + [("zh-CN", "zh-Hans"), ("zh_SG", "zh-Hans"), ("en", "en"), ("en-SG", "en"), ("id", "en")],
)
def test_the_shops_language_picks_kefus_words(setting: str | None, expected: str) -> None:
    assert language_of(setting) == expected


def test_BOT6_AR6_labels_and_notices_are_the_seed_pages_words_in_a_zh_hant_shop(tw: CompiledShop) -> None:
    actions = stream(tw, says(NIGHT, SHIPPING), says(at(NIGHT, 1), UNKNOWN))
    answer, fallback = sends(actions, Kind.answer)[0], sends(actions, Kind.fallback)[0]
    assert (answer.label, answer.customer_label) == ("機器人", "由聊天助手發送")
    assert fallback.text == "抱歉目前人工客服不在線,上線後會第一時間回覆您"
    assert of(actions, "notice")[0].text == "機器人無法回覆此訊息,已發送預設回覆,請客服上線後儘快回覆。"


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_BOT6_BOT7_an_english_or_simplified_shop_gets_its_own_words(tw: CompiledShop, language: str) -> None:
    """Issue 11 §1: the sg shop's customers saw 由聊天助手發送. Labels, notices and the default
    fallback follow the shop's language; a fallback the shop writes is its own."""
    policy = tw.shop.policy
    shop = variant(
        tw,
        language=language,
        policy=policy.model_copy(update={"bot": policy.bot.model_copy(update={"fallback": None})}),
    )
    words = WORDING[language]
    actions = stream(shop, says(NIGHT, SHIPPING), says(at(NIGHT, 1), UNKNOWN))
    answer, fallback = sends(actions, Kind.answer)[0], sends(actions, Kind.fallback)[0]
    assert (answer.label, answer.customer_label) == (words.bot, words.sent_by_assistant)
    assert fallback.text == words.fallback
    assert of(actions, "notice")[0].text == words.notices["bot_cannot_answer"]
    if language == "en":
        assert not any("由聊天助手發送" in a.model_dump_json() for a in actions)
