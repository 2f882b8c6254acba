"""M-1..M-4 as D-1..D-5 define them, recomputed from a played history of the demo shop tw.

Each history is played through the same Simulation as `kefu simulate`, so the metrics are those of
what the assistant really did. 2026-11-24 23:30 is Tuesday night (the bot works); 14:00 on
Wednesday 2026-11-25 is working time (assist works for online agents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kefu.engine.decide import CompiledShop
from kefu.engine.events import Action, Event, Reason
from kefu.engine.metrics import PeriodMetrics, compute
from kefu.engine.simulate import Simulation
from tests.engine.plays import DAY, EVENTS, NIGHT, SHIPPING, STATUS, UNKNOWN, at, online, opens, replies, says

TAIPEI = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Record:
    run: int
    shop: str
    event: Event
    actions: tuple[Action, ...]


def history(rules: CompiledShop, *events: dict[str, Any], run: int = 1) -> list[Record]:
    simulation = Simulation({"tw": rules.shop}, compile=lambda shop: rules)
    records = []
    for event in EVENTS.validate_python(list(events)):
        played = simulation.play(event)
        assert isinstance(played, list), played
        records.extend(Record(run, step.shop, step.event, step.actions) for step in played)
    return records


def metrics(rules: CompiledShop, *events: dict[str, Any], **window: Any) -> PeriodMetrics:
    [period] = compute(history(rules, *events), {"tw": "Asia/Taipei"}, **window).periods
    return period


def rate(time: str, solved: bool, reason: str | None = None, conversation: str = "c1") -> dict[str, Any]:
    return {
        "type": "customer_rating",
        "time": time,
        "conversation": conversation,
        "solved": solved,
        **({"reason": reason} if reason else {}),
    }


def tick(time: str) -> dict[str, Any]:
    return {"type": "tick", "time": time}


LATER = at(NIGHT, 25 * 60)  # 25 hours on: every session of the night has closed


# -- M-1 ---------------------------------------------------------------------------------------


def test_M1_a_bot_answer_without_follow_up_is_resolved(tw: CompiledShop) -> None:
    """M-1, D-1: the last message is smart reception and the customer did not write again."""
    m = metrics(tw, says(NIGHT, SHIPPING), tick(LATER))
    assert (m.sessions, m.resolved.count, m.resolved.rate) == (1, 1, 1.0)


def test_M1_a_follow_up_unresolves_and_a_fallback_or_off_hours_reply_never_resolves(tw: CompiledShop) -> None:
    """M-1: greetings, fallbacks and off-hours replies are not smart reception."""
    m = metrics(tw, says(NIGHT, SHIPPING), says(at(NIGHT, 1), UNKNOWN), says(at(NIGHT, 2), "???"), tick(LATER))
    assert (m.sessions, m.resolved.count) == (1, 0)
    m = metrics(tw, says(NIGHT, SHIPPING), says(at(NIGHT, 1), SHIPPING), tick(LATER))
    assert m.resolved.count == 1  # the customer followed up, and smart reception answered again


def test_M1_assist_auto_send_counts_as_smart_reception(tw: CompiledShop) -> None:
    """M-1 with AR-3: an assist auto-send is smart reception too."""
    m = metrics(tw, online(DAY, "bob"), says(at(DAY, 1), STATUS))
    assert m.resolved.count == 1


# -- M-2 / D-3 ---------------------------------------------------------------------------------


def test_M2_D3_smart_reception_answers_count_as_responded(tw: CompiledShop) -> None:
    """M-2: assist auto-send (conversations +1, responded +1) and the bot (the same)."""
    m = metrics(
        tw, says(NIGHT, SHIPPING, "night"), online(DAY, "bob"), says(at(DAY, 1), STATUS, "day"), tick(at(DAY, 25 * 60))
    )
    assert (m.responded_24h.count, m.responded_24h.total, m.responded_24h.pending) == (2, 2, 0)


def test_M2_D3_a_follow_up_needs_a_human_within_24_hours(tw: CompiledShop) -> None:
    """M-2, D-3: the customer writes again after the bot could not answer; the fallback is no answer,
    so a human must reply within 24 h or the session is not responded."""
    in_time = metrics(
        tw,
        says(NIGHT, SHIPPING),
        says(at(NIGHT, 5), UNKNOWN),
        replies(at(NIGHT, 10 * 60), "amy", "您好"),
        tick(at(NIGHT, 40 * 60)),
    )
    assert (in_time.responded_24h.count, in_time.responded_24h.total) == (1, 1)
    never = metrics(tw, says(NIGHT, SHIPPING), says(at(NIGHT, 5), UNKNOWN), tick(LATER))
    assert (never.responded_24h.count, never.responded_24h.total) == (0, 1)


def test_M2_D3_a_reply_after_24_hours_is_late(tw: CompiledShop) -> None:
    """D-3: the human replied, but 24 h after the message (the session had closed by then: D-1)."""
    m = metrics(
        tw, says(NIGHT, UNKNOWN), replies(at(NIGHT, 24 * 60 + 30), "amy", "抱歉久等了"), tick(at(NIGHT, 60 * 60))
    )
    assert (m.responded_24h.count, m.responded_24h.total) == (0, 1)


def test_M2_D3_a_session_still_within_its_24_hours_is_pending(tw: CompiledShop) -> None:
    """M-2: a session whose unanswered message is younger than 24 h where the history stops is
    neither responded nor late: it is pending and out of the rate."""
    m = metrics(tw, says(NIGHT, UNKNOWN))
    assert (m.sessions, m.responded_24h.total, m.responded_24h.pending, m.responded_24h.rate) == (1, 0, 1, None)


def test_M2_suggestions_without_auto_send_change_no_count(tw: CompiledShop) -> None:
    """M-2: a suggestion shown to a focused agent answers nothing; the agent's reply does."""
    shown = metrics(tw, online(DAY, "bob"), opens(DAY, "bob"), says(at(DAY, 1), STATUS))
    assert (shown.responded_24h.count, shown.responded_24h.pending) == (0, 1)
    sent = metrics(
        tw,
        online(DAY, "bob"),
        opens(DAY, "bob"),
        says(at(DAY, 1), STATUS),
        {
            "type": "agent_send_suggestion",
            "time": at(DAY, 2),
            "agent": "bob",
            "conversation": "c1",
            "entry": "order.status",
        },
    )
    assert (sent.responded_24h.count, sent.responded_24h.total) == (1, 1)


# -- M-3 / D-4 ---------------------------------------------------------------------------------


def test_M3_D4_from_the_first_message_smart_reception_did_not_answer_to_the_first_human_reply(tw: CompiledShop) -> None:
    """D-4: the bot answered 23:30, could not at 23:35; amy replied at 09:05 next morning: 9h 30m."""
    m = metrics(
        tw,
        says(NIGHT, SHIPPING),
        says(at(NIGHT, 5), UNKNOWN),
        says(at(NIGHT, 6), "???"),
        replies(at(NIGHT, 9 * 60 + 35), "amy", "您好"),
        replies(at(NIGHT, 9 * 60 + 40), "amy", "還在嗎?"),
    )
    assert (m.first_response.sessions, m.first_response.average_seconds) == (1, (9 * 60 + 30) * 60)


def test_M3_sessions_answered_only_by_smart_reception_are_left_out(tw: CompiledShop) -> None:
    """M-3: conversations +0 when only assist or the bot answered."""
    m = metrics(tw, says(NIGHT, SHIPPING), online(DAY, "bob"), says(at(DAY, 1), STATUS, "c2"))
    assert (m.sessions, m.first_response.sessions, m.first_response.average_seconds) == (2, 0, None)


def test_M3_average_and_median_over_sessions(tw: CompiledShop) -> None:
    m = metrics(
        tw,
        online(DAY, "amy"),
        says(DAY, UNKNOWN, "a"),
        says(DAY, UNKNOWN, "b"),
        says(DAY, UNKNOWN, "c"),
        replies(at(DAY, 2), "amy", "您好", "a"),
        replies(at(DAY, 4), "amy", "您好", "b"),
        replies(at(DAY, 12), "amy", "您好", "c"),
    )
    assert (m.first_response.sessions, m.first_response.average_seconds, m.first_response.median_seconds) == (
        3,
        6 * 60,
        4 * 60,
    )


# -- M-4 / D-5 ---------------------------------------------------------------------------------


def test_M4_D5_smart_reception_and_humans_rated_side_by_side(tw: CompiledShop) -> None:
    """D-5: solved / all ratings, for smart reception and for humans; unsolved reasons counted (BOT-8)."""
    m = metrics(
        tw,
        says(NIGHT, SHIPPING, "a"),
        says(NIGHT, SHIPPING, "b"),
        says(NIGHT, UNKNOWN, "c"),
        rate(at(NIGHT, 1), True, conversation="a"),
        rate(at(NIGHT, 1), False, "too_long", conversation="b"),
        replies(at(NIGHT, 600), "amy", "您好", "c"),
        rate(at(NIGHT, 601), True, conversation="c"),
        says(at(NIGHT, 602), UNKNOWN, "d"),
        replies(at(NIGHT, 603), "amy", "您好", "d"),
        rate(at(NIGHT, 604), False, "off_topic", conversation="d"),
    )
    s = m.satisfaction
    assert (s.smart_reception.count, s.smart_reception.total, s.smart_reception.rate) == (1, 2, 0.5)
    assert (s.human.count, s.human.total, s.human.rate) == (1, 2, 0.5)
    assert s.reasons == {Reason.off_topic.value: 1, Reason.too_long.value: 1}


# -- periods and shops -------------------------------------------------------------------------


def test_sessions_count_in_the_period_they_opened_on_the_shops_clock(tw: CompiledShop) -> None:
    """Per period: Tuesday night's session and Wednesday's, split by the shop's (Taipei) day."""
    records = history(tw, says(NIGHT, SHIPPING, "a"), online(DAY, "bob"), says(at(DAY, 1), STATUS, "b"))
    days = compute(records, {"tw": "Asia/Taipei"}, by="day").periods
    assert [(p.period, p.sessions) for p in days] == [("2026-11-24", 1), ("2026-11-25", 1)]
    wednesday = dt.datetime(2026, 11, 25, tzinfo=TAIPEI)
    [only] = compute(records, {"tw": "Asia/Taipei"}, start=wednesday).periods
    assert only.sessions == 1 and only.start == wednesday
    assert [p.period for p in compute(records, by="week").periods] == ["2026-W48"]
    assert [p.period for p in compute(records, by="month").periods] == ["2026-11"]


def test_runs_are_separate_histories(tw: CompiledShop) -> None:
    """The same conversation id in two runs is two conversations."""
    records = history(tw, says(NIGHT, SHIPPING), run=1) + history(tw, says(NIGHT, SHIPPING), run=2)
    [period] = compute(records).periods
    assert period.sessions == 2


# -- a known log, counted by hand --------------------------------------------------------------


def test_metrics_of_a_known_log_checked_by_hand(tw: CompiledShop) -> None:
    """M-1..M-4 on five conversations, counted by hand:

    a  23:30 bot answers shipping, 23:31 rated solved, no more messages      -> resolved, responded
    b  23:31 bot answers, 23:32 cannot (fallback), 23:33 the off-hours reply;
       amy replies 09:10 next day, 9h 38m after 23:32                        -> responded, M-3 9h 38m
    c  23:34 bot cannot answer; nobody ever replies                          -> late (after 24 h)
    d  day: bob online, assist auto-sends order.status                       -> resolved, responded
    e  day: amy has e open, the customer asks, amy replies 3 minutes later   -> responded, M-3 3m;
       the customer rates amy's reply unsolved (not_useful)

    sessions 5; M-1 2/5; M-2 4/5; M-3 (9h 38m + 3m) / 2 = 4h 50m 30s; M-4 smart 1/1, humans 0/1.
    """
    m = metrics(
        tw,
        says(NIGHT, SHIPPING, "a"),
        rate(at(NIGHT, 1), True, conversation="a"),
        says(at(NIGHT, 1), SHIPPING, "b"),
        says(at(NIGHT, 2), UNKNOWN, "b"),
        says(at(NIGHT, 3), "???", "b"),
        says(at(NIGHT, 4), UNKNOWN, "c"),
        online(at(NIGHT, 9 * 60 + 35), "amy"),
        opens(at(NIGHT, 9 * 60 + 35), "amy", "b"),
        replies(at(NIGHT, 9 * 60 + 40), "amy", "您好,我來幫您處理", "b"),
        online(DAY, "bob"),
        says(at(DAY, 1), STATUS, "d"),
        opens(at(DAY, 2), "amy", "e"),
        says(at(DAY, 2), UNKNOWN, "e"),
        opens(at(DAY, 2), "amy", "e"),
        replies(at(DAY, 5), "amy", "好的", "e"),
        rate(at(DAY, 6), False, "not_useful", conversation="e"),
        tick(at(DAY, 50 * 60)),
    )
    assert m.sessions == 5
    assert (m.resolved.count, m.resolved.total) == (2, 5)
    assert (m.responded_24h.count, m.responded_24h.total, m.responded_24h.pending) == (4, 5, 0)
    assert m.first_response.sessions == 2
    assert m.first_response.average_seconds == ((9 * 60 + 38) * 60 + 3 * 60) / 2
    s = m.satisfaction
    assert (s.smart_reception.count, s.smart_reception.total, s.human.count, s.human.total) == (1, 1, 0, 1)
    assert s.reasons == {"not_useful": 1}
