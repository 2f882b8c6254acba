"""`decide` is pure, as its docstring says: it changes nothing it was given, the compiled shop included.

And the compiled shop's calendar (`engine.timetable`) answers exactly what `engine.clock` answers
from the rules model, so compiling it changed no decision.
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest

from kefu.dsl.load import load
from kefu.engine import clock
from kefu.engine.decide import CompiledShop, decide
from kefu.engine.inbox import State
from kefu.engine.rules import Shop
from kefu.engine.timetable import Timetable
from tests.conftest import RULES
from tests.engine.plays import DAY, EVENTS, NIGHT, SHIPPING, STATUS, UNKNOWN, at, online, opens, replies, says

# Every kind of event, in working hours, at night and across the 雙11 period, with a tick that
# closes sessions: each step of it must leave its arguments as they were.
STORY: list[dict[str, Any]] = [
    says("2026-11-09T23:00", SHIPPING, "c0"),  # bot at night
    says("2026-11-10T10:00", STATUS, "c0"),  # the 雙11 period
    {"type": "tick", "time": "2026-11-12T10:00"},  # the session closes
    online(DAY, "bob"),
    says(at(DAY, 1), SHIPPING),  # assist auto-sends
    says(at(DAY, 2), UNKNOWN),  # assist cannot answer: a notice and suggestions
    opens(at(DAY, 3), "bob"),
    {"type": "agent_types", "time": at(DAY, 4), "agent": "bob", "conversation": "c1", "text": "運費"},
    {
        "type": "agent_send_suggestion",
        "time": at(DAY, 5),
        "agent": "bob",
        "conversation": "c1",
        "entry": "shipping.free",
    },
    replies(at(DAY, 6), "bob", "不客氣"),
    {"type": "agent_leave", "time": at(DAY, 7), "agent": "bob", "conversation": "c1"},
    {"type": "customer_rating", "time": at(DAY, 8), "conversation": "c1", "solved": False, "reason": "too_long"},
    {"type": "setting_change", "time": at(DAY, 9), "actor": "mia", "setting": "bot_when", "value": "all_day"},
    {"type": "setting_change", "time": at(DAY, 10), "actor": "bob", "setting": "bot", "value": "off"},
    {"type": "agent_auto_send", "time": at(DAY, 11), "actor": "bob", "agent": "bob", "value": False},
    {"type": "agent_offline", "time": at(DAY, 12), "agent": "bob"},
    says(NIGHT, UNKNOWN, "c2"),
]


def test_decide_changes_nothing_it_was_given(tw: CompiledShop) -> None:
    """Each argument pickles to the same bytes before and after the step: the state, the event,
    the time and the compiled shop (its rules model, matcher index, calendar and texts)."""
    state = State.initial(tw.shop)
    for event in EVENTS.validate_python(STORY):
        now = clock.aware(tw.shop, event.time)
        before = [pickle.dumps(value) for value in (state, event, tw, now)]
        outcome = decide(state, event, tw, now)
        after = [pickle.dumps(value) for value in (state, event, tw, now)]
        assert after == before, f"decide changed one of its arguments on a {event.type} event"
        assert outcome.actions or event.type in ("agent_leave", "agent_offline", "tick", "agent_online")
        state = outcome.state


def test_a_compiled_shop_is_not_written_to(tw: CompiledShop) -> None:
    """No attribute can be added to a compiled shop: the one memo it holds is its matcher's meaning
    vectors (`engine.meaning.Meaning`), a cache of the rules' own texts that pickling leaves out and
    that changes no decision (tests/engine/test_meaning.py)."""
    with pytest.raises(AttributeError):
        tw.memo = {}


def shops() -> list[Shop]:
    return list(load([RULES / "shops"]).rules.shops)


@pytest.mark.parametrize("shop", shops(), ids=lambda shop: shop.id)
def test_BOT3_the_timetable_answers_as_the_clock_does(shop: Shop) -> None:
    """BOT-3: working hours, holidays, ranges past midnight and periods, every 10 minutes from
    November to January (the 雙11 period, a holiday, a new year) in the shop's own zone."""
    timetable = Timetable.of(shop)
    instant = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    while instant < dt.datetime(2027, 1, 5, tzinfo=dt.UTC):
        local = timetable.local(instant)
        assert timetable.working(local) == clock.working(shop, instant), instant
        assert timetable.policy_at(local) == clock.policy_at(shop, instant), instant
        instant += dt.timedelta(minutes=10)


def test_BOT3_a_range_past_midnight_and_a_shop_without_hours() -> None:
    """A range past midnight belongs to the day it starts (a holiday closes its night); no hours:
    open around the clock."""
    shop = Shop.model_validate(
        {
            "id": "night",
            "name": "Night",
            "timezone": "Asia/Taipei",
            "hours": [{"weekday": 4, "ranges": [{"start": 20 * 60, "end": 26 * 60}]}],
            "closed": [{"start": "2026-12-25", "end": "2026-12-25"}],
        }
    )
    timetable = Timetable.of(shop)
    zone = clock.zone(shop.timezone)
    for text in ("2026-12-18T21:00", "2026-12-19T01:59", "2026-12-19T02:00", "2026-12-25T21:00", "2026-12-26T01:00"):
        instant = dt.datetime.fromisoformat(text).replace(tzinfo=zone)
        assert timetable.working(instant) == clock.working(shop, instant), text
    assert [
        timetable.working(dt.datetime.fromisoformat(t).replace(tzinfo=zone))
        for t in ("2026-12-18T23:00", "2026-12-26T01:00")
    ] == [True, False]
    assert Timetable.of(Shop(id="any", name="Any")).working(dt.datetime(2026, 12, 25, 3, tzinfo=dt.UTC))


def test_every_action_decide_builds_is_a_valid_model(tw: CompiledShop) -> None:
    """Every action decide builds reads back from its JSON line as the same action, with every
    field of the right type (what `kefu simulate --json` prints is what the store gives back)."""
    from pydantic import TypeAdapter

    from kefu.engine.events import Action

    adapter = TypeAdapter(Action)
    state = State.initial(tw.shop)
    seen = set()
    for event in EVENTS.validate_python(STORY):
        outcome = decide(state, event, tw, clock.aware(tw.shop, event.time))
        for action in outcome.actions:
            assert adapter.validate_json(action.model_dump_json(exclude_none=True)) == action
            assert adapter.validate_python(action.model_dump(), strict=True) == action
            seen.add(action.type)
        state = outcome.state
    assert seen >= {"send", "suggest", "notice", "lists", "assign", "changed", "denied", "rated", "session_opened"}
