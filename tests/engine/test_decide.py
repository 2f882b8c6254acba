"""The decide step against SPEC.md: AR, BOT, STOP and D requirements, on the demo shop tw.

tw (Asia/Taipei) works Mon-Fri 09:00-12:00 and 13:00-18:00, Sat 10:00-14:00, closed on 2026-12-25;
staff: mia owner, ken admin, amy agent (auto-send off for herself), bob agent (capacity 3); assist on
with shop-wide auto-send; the bot on off-hours only, with an off-hours reply; a greeting.
2026-11-25 is a Wednesday.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from kefu.dsl.load import load
from kefu.engine import clock
from kefu.engine.decide import CUSTOMER_LABEL_BOT, LABEL_AUTO_SENT, LABEL_BOT, CompiledShop, decide
from kefu.engine.events import Kind, Sender
from kefu.engine.inbox import State
from kefu.engine.rules import BotHours, Role, Shop, StaffMember
from tests.conftest import RULES
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
    play,
    replies,
    says,
    sends,
    variant,
    with_assist,
    with_bot,
)

# -- assist ------------------------------------------------------------------------------------

ROLES = {"mia": Role.owner, "ken": Role.admin, "bob": Role.agent, "amy": Role.agent, "stranger": None}
SETTINGS = [("assist", "off"), ("auto_send", "off"), ("bot", "off"), ("bot_when", "all_day")]


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("setting, value", SETTINGS)
def test_AR1_BOT1_only_owner_or_admin_switch_shop_wide_settings(
    tw: CompiledShop, actor: str, setting: str, value: str
) -> None:
    """AR-1, BOT-1: owner and admin may switch assist, auto-send, the bot and its hours; an agent
    or a stranger is denied with a reason, changes nothing, and the denial is logged."""
    state, actions = play(
        tw, {"type": "setting_change", "time": DAY, "actor": actor, "setting": setting, "value": value}
    )
    if ROLES[actor] in (Role.owner, Role.admin):
        [changed] = of(actions, "changed")
        assert (changed.actor, changed.setting, changed.after) == (actor, setting, value)
        assert getattr(state.settings, setting) is not None
    else:
        [denied] = of(actions, "denied")
        assert denied.actor == actor and denied.reason
        assert state.settings == State.initial(tw.shop).settings


def test_AR1_a_switch_takes_effect(tw: CompiledShop) -> None:
    """AR-1: once the owner turns assist off, nothing is auto-sent any more."""
    _, actions = play(
        tw,
        {"type": "setting_change", "time": DAY, "actor": "mia", "setting": "assist", "value": "off"},
        online(DAY, "bob"),
        says(at(DAY, 1), STATUS),
    )
    assert sends(actions, Kind.answer) == []


def test_AR2_focused_agent_gets_suggestions_and_sends_one(tw: CompiledShop) -> None:
    """AR-2: while the agent replies in a conversation, assist suggests; one action sends a
    suggestion, or it is edited first and then sent."""
    _, actions = play(tw, online(DAY, "bob"), opens(DAY, "bob"), says(at(DAY, 1), STATUS))
    assert sends(actions, Kind.answer) == []
    [suggest] = of(actions, "suggest")
    assert suggest.agent == "bob" and suggest.suggestions[0].entry == "order.status"
    _, actions = play(
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
        {
            "type": "agent_send_suggestion",
            "time": at(DAY, 3),
            "agent": "bob",
            "conversation": "c1",
            "entry": "order.status",
            "text": "edited",
        },
    )
    as_is, edited = sends(actions, Kind.reply)
    assert as_is.text == tw.entries["order.status"].reply and as_is.sender == Sender.agent
    assert edited.text == "edited" and edited.entry == "order.status"


def test_AR2_suggested_replies_show_what_the_customer_would_get(tw: CompiledShop) -> None:
    """AR-2: a suggestion's reply has its placeholders filled in, as it would be sent."""
    _, actions = play(tw, online(DAY, "bob"), opens(DAY, "bob"), says(at(DAY, 1), "你們有實體門市嗎"))
    [suggest] = of(actions, "suggest")
    assert suggest.suggestions[0].entry == "store.location"
    assert "${" not in suggest.suggestions[0].reply and tw.shop.name in suggest.suggestions[0].reply


@pytest.mark.parametrize(
    ("text", "name", "shown"),
    [
        ("Hi ${customer.name}, welcome", "Mia", "Hi Mia, welcome"),
        ("Hi ${customer.name}, welcome", None, "Hi, welcome"),
        ("Dear ${customer.name} thanks", None, "Dear thanks"),
        ("${customer.name} 您好", None, "您好"),
        ("您好 ${customer.name}!", None, "您好!"),
        ("${customer.name} ${customer.name} hi", "A", "A A hi"),
    ],
)
def test_a_placeholder_without_a_value_leaves_no_stray_space(
    tw: CompiledShop, text: str, name: str | None, shown: str
) -> None:
    """A greeting to a customer whose name is not known reads as a sentence ("Hi, welcome")."""
    greeted = variant(tw, policy=tw.shop.policy.model_copy(update={"greeting": text}))
    message = {**says(NIGHT, UNKNOWN), **({"customer": name} if name else {})}
    _, actions = play(greeted, message)
    [greeting] = sends(actions, Kind.greeting)
    assert greeting.text == shown


def test_an_agent_who_replies_is_online_and_takes_waiting_conversations(tw: CompiledShop) -> None:
    """BOT-5: an agent who acts without saying it came online is online; waiting customers reach it."""
    state, actions = play(
        tw,
        says(NIGHT, UNKNOWN, "c1"),
        says(NIGHT, UNKNOWN, "c2"),
        {"type": "agent_message", "time": at(NIGHT, 30), "agent": "bob", "conversation": "c1", "text": "您好"},
    )
    assert state.agents["bob"].online
    assert {a.conversation for a in of(actions, "assign")} == {"c1", "c2"}


def test_AR3_assist_answers_the_agents_other_conversations(tw: CompiledShop) -> None:
    """AR-3: with shop-wide auto-send on, while bob replies in c2, assist answers c1 for him."""
    _, actions = play(
        tw, online(DAY, "bob"), opens(DAY, "bob", "c2"), says(DAY, SHIPPING, "c2"), says(at(DAY, 1), STATUS)
    )
    [answer] = sends(actions, Kind.answer)  # not in c2, where bob is replying himself
    assert (answer.conversation, answer.sender, answer.entry, answer.agent) == (
        "c1",
        Sender.assist,
        "order.status",
        "bob",
    )


def test_AR4_opening_a_conversation_stops_auto_send_there(tw: CompiledShop) -> None:
    """AR-4: once bob switches into c1, assist no longer auto-sends in it."""
    _, actions = play(tw, online(DAY, "bob"), says(DAY, STATUS), opens(at(DAY, 1), "bob"), says(at(DAY, 2), SHIPPING))
    assert [a.entry for a in sends(actions, Kind.answer)] == ["order.status"]


def test_AR5_auto_answered_is_unread_not_unreplied_and_follow_ups_are_answered(tw: CompiledShop) -> None:
    """AR-5: no follow-up: Unread (red dot), not Unreplied; a follow-up is answered again."""
    state, actions = play(tw, online(DAY, "bob"), says(DAY, STATUS))
    conversation = state.conversations["c1"]
    assert (conversation.unread, conversation.unreplied) == (True, False)
    state, actions = play(tw, online(DAY, "bob"), says(DAY, STATUS), says(at(DAY, 1), SHIPPING))
    assert [a.entry for a in sends(actions, Kind.answer)] == ["order.status", "shipping.free"]


def test_AR6_agent_sees_auto_sent_label_customer_sees_none(tw: CompiledShop) -> None:
    """AR-6: "自動發送" under each auto-sent message for the agent; no label for the customer."""
    _, actions = play(tw, online(DAY, "bob"), says(DAY, STATUS))
    [answer] = sends(actions, Kind.answer)
    assert (answer.label, answer.customer_label) == (LABEL_AUTO_SENT, None) == ("自動發送", None)


def test_AR7_assist_cannot_answer_unreplied_with_notice(tw: CompiledShop) -> None:
    """AR-7: Unreplied with the tag, and a system message asks the agent to reply soon."""
    state, actions = play(tw, online(DAY, "bob"), says(DAY, UNKNOWN))
    assert sends(actions, Kind.answer) == []
    [notice] = of(actions, "notice")
    assert notice.reason == "assist_cannot_answer" and "儘快回覆" in notice.text
    assert state.conversations["c1"].unreplied


def test_AR8_an_agent_refuses_auto_send_for_itself_only(tw: CompiledShop) -> None:
    """AR-8: amy refused auto-send (in the rules): her conversations are not auto-answered; bob's are."""
    _, actions = play(tw, online(DAY, "amy"), says(DAY, STATUS, "c1"), online(DAY, "bob"), says(DAY, STATUS, "c2"))
    assert [(a.conversation, a.agent) for a in sends(actions, Kind.answer)] == [("c2", "bob")]


def test_AR8_an_agent_sets_only_its_own_auto_send(tw: CompiledShop) -> None:
    """AR-8: bob may switch his own auto-send, not amy's; a denial changes nothing."""
    state, actions = play(
        tw,
        {"type": "agent_auto_send", "time": DAY, "actor": "bob", "agent": "amy", "value": True},
        {"type": "agent_auto_send", "time": DAY, "actor": "bob", "agent": "bob", "value": False},
    )
    assert [a.type for a in actions] == ["denied", "changed"]
    assert (state.agents["amy"].auto_send, state.agents["bob"].auto_send) == (False, False)


# -- the bot ----------------------------------------------------------------------------------


def test_BOT2_bot_works_when_nobody_is_online(tw: CompiledShop) -> None:
    """BOT-2: no agent online: the bot answers (all day here, so even in working hours)."""
    rules = with_bot(tw, when=BotHours.all_day)
    _, actions = play(rules, says(DAY, STATUS))
    assert [(a.sender, a.entry) for a in sends(actions, Kind.answer)] == [(Sender.bot, "order.status")]


def test_BOT2_bot_stays_quiet_while_an_agent_has_room(tw: CompiledShop) -> None:
    """BOT-2: an online agent with room takes the customer: the bot does not answer."""
    rules = with_assist(with_bot(tw, when=BotHours.all_day), enabled=False)
    _, actions = play(rules, online(DAY, "bob"), says(DAY, STATUS))
    assert sends(actions, Kind.answer) == [] and of(actions, "assign")[0].agent == "bob"


def test_BOT2_every_online_agent_at_capacity_queues_and_bot_answers(tw: CompiledShop) -> None:
    """BOT-2: bob (capacity 3) is full: the fourth customer queues and the bot answers it."""
    rules = with_bot(tw, when=BotHours.all_day)
    events = [online(DAY, "bob")] + [says(DAY, "你好", f"c{i}") for i in range(3)] + [says(at(DAY, 1), STATUS, "c9")]
    state, actions = play(rules, *events)
    [queued] = of(actions, "queue")
    assert queued.conversation == "c9" and state.queue == ("c9",)
    assert [(a.conversation, a.sender) for a in sends(actions, Kind.answer)][-1] == ("c9", Sender.bot)


def test_BOT3_off_hours_only_bot_sleeps_in_working_hours(tw: CompiledShop) -> None:
    """BOT-3: "off-hours only" and nobody online at 14:00 on a Wednesday: the bot does not answer."""
    state, actions = play(tw, says(DAY, STATUS))
    assert sends(actions, Kind.answer) == [] and state.conversations["c1"].unreplied


def test_BOT3_off_hours_and_holidays_wake_the_bot(tw: CompiledShop) -> None:
    """BOT-3: at night, and on a holiday at 14:00 (2026-12-25), the bot answers."""
    for time in (NIGHT, "2026-12-25T14:00"):
        _, actions = play(tw, says(time, STATUS))
        assert [a.sender for a in sends(actions, Kind.answer)] == [Sender.bot], time


def test_BOT3_working_hours_follow_the_shops_wall_clock_across_dst(tw: CompiledShop) -> None:
    """BOT-3: hours are the shop's wall clock; a DST change moves them in UTC (Europe/Berlin)."""
    shop = tw.shop.model_copy(update={"timezone": "Europe/Berlin", "closed": ()})
    utc = dt.UTC
    # Friday 2026-03-27 is CET (UTC+1), Monday 2026-03-30 is CEST (UTC+2); both open at 09:00
    assert not clock.working(shop, dt.datetime(2026, 3, 27, 7, 30, tzinfo=utc))  # 08:30 local
    assert clock.working(shop, dt.datetime(2026, 3, 30, 7, 30, tzinfo=utc))  # 09:30 local


def test_BOT3_a_range_past_midnight_belongs_to_the_day_it_starts(tw: CompiledShop) -> None:
    """BOT-3: sg works 20:00-02:00 on some days; 01:00 the next morning is still working time."""
    sg = load([RULES / "shops" / "sg"]).rules.shop("sg")
    assert sg is not None
    late = [d for d in sg.hours if any(r.end > 1440 for r in d.ranges)]
    assert late, "the sg demo shop has a range past midnight"
    day = late[0]
    start = next(r for r in day.ranges if r.end > 1440)
    monday = dt.date(2026, 11, 23)
    date = monday + dt.timedelta(days=day.weekday)
    after_midnight = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0, 30))
    assert clock.working(sg, after_midnight) == (start.end > 1470)


def test_BOT4_bot_answers_message_after_message(tw: CompiledShop) -> None:
    """BOT-4: the bot keeps answering from the KB while it can."""
    _, actions = play(tw, says(NIGHT, STATUS), says(at(NIGHT, 1), SHIPPING))
    assert [a.entry for a in sends(actions, Kind.answer)] == ["order.status", "shipping.free"]


def test_BOT5_bot_conversations_go_to_agents_unread_not_unreplied(tw: CompiledShop) -> None:
    """BOT-5: a bot-answered conversation without follow-up is assigned when an agent comes
    online, and stays Unread, not Unreplied."""
    state, actions = play(tw, says(NIGHT, STATUS), online("2026-11-25T09:00", "bob"))
    assert of(actions, "assign")[0].agent == "bob"
    conversation = state.conversations["c1"]
    assert (conversation.agent, conversation.unread, conversation.unreplied) == ("bob", True, False)


def test_BOT6_labels_for_agent_and_customer(tw: CompiledShop) -> None:
    """BOT-6: the agent sees "機器人", the customer "由聊天助手發送"."""
    _, actions = play(tw, says(NIGHT, STATUS))
    [answer] = sends(actions, Kind.answer)
    assert (answer.label, answer.customer_label) == (LABEL_BOT, CUSTOMER_LABEL_BOT) == ("機器人", "由聊天助手發送")


def test_BOT7_fallback_then_off_hours_reply_once_then_unreplied(tw: CompiledShop) -> None:
    """BOT-7 and D-2: the fallback, then the off-hours reply once, then nothing; Unreplied."""
    state, actions = play(
        tw, says(NIGHT, SHIPPING), says(at(NIGHT, 1), UNKNOWN), says(at(NIGHT, 2), "???"), says(at(NIGHT, 3), "???")
    )
    assert [a.kind for a in sends(actions) if a.kind != Kind.greeting] == [
        Kind.answer,
        Kind.fallback,
        Kind.off_hours_reply,
    ]
    [fallback] = sends(actions, Kind.fallback)
    assert fallback.text == "抱歉目前人工客服不在線,上線後會第一時間回覆您"
    assert state.conversations["c1"].unreplied


def test_BOT8_customer_rates_a_bot_answer(tw: CompiledShop) -> None:
    """BOT-8: solved, or unsolved with a reason and free text, tied to the answer it rates."""
    _, actions = play(
        tw,
        says(NIGHT, STATUS),
        {
            "type": "customer_rating",
            "time": at(NIGHT, 1),
            "conversation": "c1",
            "solved": False,
            "reason": "off_topic",
            "text": "我問的是退貨",
        },
    )
    [rated] = of(actions, "rated")
    assert (rated.solved, rated.reason.value, rated.text, rated.sender, rated.entry) == (
        False,
        "off_topic",
        "我問的是退貨",
        Sender.bot,
        "order.status",
    )


def test_BOT8_unsolved_needs_a_reason() -> None:
    """BOT-8: an unsolved rating without a reason is a bad event, said so."""
    with pytest.raises(ValidationError, match="needs a reason"):
        EVENTS.validate_python([{"type": "customer_rating", "time": DAY, "conversation": "c1", "solved": False}])


# -- stopping ---------------------------------------------------------------------------------


def test_STOP1_the_same_auto_reply_twice_stops_the_assistant(tw: CompiledShop) -> None:
    """STOP-1, STOP-2: order.status sent twice (repeat limit 2); the third time assist stops and
    tells the agent; the conversation is Unreplied."""
    state, actions = play(
        tw,
        online(DAY, "bob"),
        says(DAY, STATUS),
        says(at(DAY, 1), "幫我查一下訂單狀態"),
        says(at(DAY, 2), "我的訂單現在到底什麼狀態"),
    )
    assert [a.entry for a in sends(actions, Kind.answer)] == ["order.status", "order.status"]
    assert [n.reason for n in of(actions, "notice")] == ["repeat_limit"]
    assert state.conversations["c1"].unreplied


@pytest.mark.parametrize(
    "events, reason",
    [
        ([online(DAY, "bob"), says(DAY, UNKNOWN)], "assist_cannot_answer"),
        ([says(NIGHT, UNKNOWN)], "bot_cannot_answer"),
    ],
)
def test_STOP2_every_stop_tells_the_agent(tw: CompiledShop, events: list[dict[str, Any]], reason: str) -> None:
    """STOP-2: AR-7 and BOT-7 stops each post a system message (STOP-1's is tested above)."""
    _, actions = play(tw, *events)
    assert [n.reason for n in of(actions, "notice")] == [reason]


# -- decisions ----------------------------------------------------------------------------------


def test_D1_a_session_closes_24_hours_after_its_last_message(tw: CompiledShop) -> None:
    """D-1: the greeting opens each session; after 24 idle hours the session closes."""
    _, actions = play(
        tw, says(NIGHT, STATUS), {"type": "tick", "time": at(NIGHT, 24 * 60)}, says(at(NIGHT, 24 * 60 + 1), STATUS)
    )
    assert [a.type for a in actions if a.type.startswith("session")] == [
        "session_opened",
        "session_closed",
        "session_opened",
    ]
    assert len(sends(actions, Kind.greeting)) == 2


def test_D2_after_a_failure_no_kb_answers_until_a_human_replies(tw: CompiledShop) -> None:
    """D-2: once assist fails in a session it stays silent, until a human has replied there."""
    _, actions = play(
        tw,
        online(DAY, "bob"),
        says(DAY, UNKNOWN),
        says(at(DAY, 1), STATUS),
        replies(at(DAY, 2), "bob", "您好"),
        says(at(DAY, 3), STATUS),
    )
    assert [(a.kind, a.entry) for a in sends(actions) if a.kind != Kind.greeting] == [
        (Kind.reply, None),
        (Kind.answer, "order.status"),
    ]


def test_D6_an_agent_focused_nowhere_has_every_conversation_answered(tw: CompiledShop) -> None:
    """D-6: bob online with nothing open: each of his conversations may be auto-answered."""
    _, actions = play(tw, online(DAY, "bob"), says(DAY, STATUS, "c1"), says(DAY, SHIPPING, "c2"))
    assert sorted(a.conversation for a in sends(actions, Kind.answer)) == ["c1", "c2"]


def test_D7_auto_send_is_never_on_while_assist_is_off(tw: CompiledShop) -> None:
    """D-7: bob chose auto-send for himself, but shop-wide assist is off: nothing is auto-sent."""
    rules = with_assist(tw, enabled=False)
    _, actions = play(
        rules,
        {"type": "agent_auto_send", "time": DAY, "actor": "bob", "agent": "bob", "value": True},
        online(DAY, "bob"),
        says(DAY, STATUS),
    )
    assert sends(actions, Kind.answer) == []


def test_D7_an_agents_own_choice_wins_over_the_shop(tw: CompiledShop) -> None:
    """D-7: shop-wide auto-send off, amy allows it for herself: her conversations are answered."""
    rules = with_assist(tw, auto_send=False)
    _, actions = play(
        rules,
        {"type": "agent_auto_send", "time": DAY, "actor": "amy", "agent": "amy", "value": True},
        online(DAY, "amy"),
        says(DAY, STATUS),
    )
    assert [a.agent for a in sends(actions, Kind.answer)] == ["amy"]


def test_greeting_is_sent_when_a_session_opens_and_is_not_smart_reception(tw: CompiledShop) -> None:
    """The greeting opens a session (once), from the shop, never as smart reception."""
    _, actions = play(tw, online(DAY, "bob"), says(DAY, STATUS), says(at(DAY, 1), SHIPPING))
    [greeting] = sends(actions, Kind.greeting)
    assert greeting.sender == Sender.shop and "Demo Store 台灣" in greeting.text


def test_decide_is_pure(tw: CompiledShop) -> None:
    """decide changes nothing it is given: the same state and event give the same outcome."""
    state = State.initial(tw.shop)
    [event] = EVENTS.validate_python([says(DAY, STATUS)])
    before = state.model_dump()
    now = clock.aware(tw.shop, event.time)
    first = decide(state, event, tw, now)
    second = decide(state, event, tw, now)
    assert state.model_dump() == before
    assert first.actions == second.actions and first.state == second.state


def test_unknown_staff_events_change_nothing(tw: CompiledShop) -> None:
    """An event naming someone not on the staff is ignored (or denied, for settings)."""
    state, actions = play(tw, online(DAY, "zoe"), opens(DAY, "zoe"))
    assert actions == [] and state == State.initial(tw.shop).model_copy(update={"now": state.now})


def test_staff_model_is_what_the_state_starts_from(tw: CompiledShop) -> None:
    """Everyone starts offline with the role, capacity and auto-send choice the rules give."""
    state = State.initial(tw.shop)
    assert {n: (a.role, a.capacity, a.auto_send, a.online) for n, a in state.agents.items()} == {
        p.name: (p.role, p.capacity, p.auto_send, False) for p in tw.shop.staff
    }
    assert isinstance(tw.shop, Shop) and all(isinstance(p, StaffMember) for p in tw.shop.staff)


def test_BOT7_the_off_hours_reply_names_the_hours_in_the_shops_language(tw: CompiledShop) -> None:
    """BOT-7: `${shop.hours}` in the off-hours reply lists the working hours, days with the same hours
    grouped, in the shop's language."""
    _, actions = play(tw, says(NIGHT, UNKNOWN), says(at(NIGHT, 1), "???"))
    [reply] = sends(actions, Kind.off_hours_reply)
    assert "週一至週五 09:00-12:00, 13:00-18:00、週六 10:00-14:00" in reply.text
    english = variant(tw, language="en")
    _, actions = play(english, says(NIGHT, UNKNOWN), says(at(NIGHT, 1), "???"))
    [reply] = sends(actions, Kind.off_hours_reply)
    assert "Mon-Fri 09:00-12:00, 13:00-18:00; Sat 10:00-14:00" in reply.text


def test_D1_a_conversation_leaves_the_live_inbox_once_its_session_closed_and_nothing_is_left(tw: CompiledShop) -> None:
    """D-1: a session closes 24 h after its last message; a conversation still Unreplied then stays in
    the inbox until an agent has answered it, then leaves (the state holds the live inbox only)."""
    events = [says(NIGHT, UNKNOWN), {"type": "tick", "time": at(NIGHT, 25 * 60)}]
    state, _ = play(tw, *events)
    assert state.conversations["c1"].session is None and state.conversations["c1"].unreplied
    state, _ = play(tw, *events, opens(at(NIGHT, 26 * 60), "amy"), replies(at(NIGHT, 26 * 60 + 1), "amy", "抱歉"))
    assert "c1" in state.conversations  # amy still has it open
    state, _ = play(
        tw,
        *events,
        opens(at(NIGHT, 26 * 60), "amy"),
        replies(at(NIGHT, 26 * 60 + 1), "amy", "抱歉"),
        {"type": "agent_leave", "time": at(NIGHT, 26 * 60 + 2), "agent": "amy", "conversation": "c1"},
        {"type": "tick", "time": at(NIGHT, 27 * 60)},
    )
    assert "c1" not in state.conversations and state.loads.get("amy", 0) == 0
