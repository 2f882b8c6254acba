"""engine/timeline.py (issue 13 §4): who answers a shop's customers, instant by instant and over days.

The timeline is read from the timetable, the period and the switches in force, so what it says is
what the decide step does: tests play a customer message through `decide` at night, at lunch, in
working hours and on a holiday, and compare. Boundaries: ranges at :30, a range past midnight,
holidays, a period ending the night a range runs past midnight, and both changes of the clock in
Europe/Berlin (23 and 25 hours).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.dsl.load import load
from kefu.engine.decide import CompiledShop
from kefu.engine.events import Kind, Sender
from kefu.engine.inbox import Settings
from kefu.engine.rules import Assist, Bot, BotHours, DateRange, Period, Policy, Shop, TimeRange, WorkingDay
from kefu.engine.timeline import EARLIEST, LATEST, MAX_DAYS, Timeline, answering, shifts, timeline
from kefu.engine.timetable import Timetable
from tests.conftest import RULES
from tests.engine.plays import STATUS, online, play, says, with_assist, with_bot

BERLIN = """\
shop de "Laden Berlin" {
    language en
    timezone "Europe/Berlin"
    hours mon-fri 09:30-18:00, sat 22:00-02:30
    closed 2026-10-28
}

staff {
    owner jan
    agent eva
}

assist {
    on
    auto_send off
}

bot {
    on
    when off_hours
}

period "Herbst sale" 2026-10-29..2026-10-31 {
    assist {
        on
        auto_send on
    }
    bot {
        when all_day
    }
}
"""


def shop_of(tmp_path: Path, text: str, shop_id: str) -> Shop:
    folder = tmp_path / shop_id
    folder.mkdir(parents=True)
    (folder / "shop.kefu").write_text(text, encoding="utf-8")
    result = load([folder])
    assert result.errors == []
    shop = result.rules.shop(shop_id)
    assert shop is not None
    return shop


@pytest.fixture
def berlin(tmp_path: Path) -> Shop:
    return shop_of(tmp_path, BERLIN, "de")


def demo(shop_id: str) -> Shop:
    shop = load([RULES / "shops" / shop_id]).rules.shop(shop_id)
    assert shop is not None
    return shop


def stretches(found: Timeline, date: dt.date) -> list[tuple[str, str, str, str]]:
    """A day's stretches as (start, end, who answers, bot)."""
    [day] = [d for d in found.days if d.date == date]
    return [
        (
            s.start.isoformat(timespec="minutes"),
            s.end.isoformat(timespec="minutes"),
            s.answering.answers,
            s.answering.bot,
        )
        for s in day.segments
    ]


def test_BOT3_a_working_day_of_the_demo_shop_tw() -> None:
    """BOT-3: tw works 09:00-12:00 and 13:00-18:00 on weekdays (Asia/Taipei); off hours only, so the
    bot answers the night and the lunch hour and waits while agents are on duty."""
    found = timeline(demo("tw"), dt.date(2026, 11, 25), dt.date(2026, 11, 25))
    assert stretches(found, dt.date(2026, 11, 25)) == [
        ("2026-11-25T00:00+08:00", "2026-11-25T09:00+08:00", "bot", "answers"),
        ("2026-11-25T09:00+08:00", "2026-11-25T12:00+08:00", "agents", "waits"),
        ("2026-11-25T12:00+08:00", "2026-11-25T13:00+08:00", "bot", "answers"),
        ("2026-11-25T13:00+08:00", "2026-11-25T18:00+08:00", "agents", "waits"),
        ("2026-11-25T18:00+08:00", "2026-11-26T00:00+08:00", "bot", "answers"),
    ]
    assert {s.answering.assist for d in found.days for s in d.segments} == {"auto_send"}  # AR-3


def test_BOT3_the_demo_period_puts_the_bot_on_all_day() -> None:
    """BOT-3: tw's period "雙11大促" (2026-11-10..12) sets the bot all day: beside the agents in working
    hours it takes the customers no agent is free for (BOT-2); the days around it are off hours only."""
    found = timeline(demo("tw"), dt.date(2026, 11, 9), dt.date(2026, 11, 13))
    assert [(d.date.day, d.period) for d in found.days] == [
        (9, None),
        (10, "雙11大促"),
        (11, "雙11大促"),
        (12, "雙11大促"),
        (13, None),
    ]
    for day in found.days:
        working = {s.answering.bot for s in day.segments if s.answering.working}
        assert working == ({"backup"} if day.period else {"waits"}), day.date


def test_BOT3_a_holiday_is_off_hours_all_day() -> None:
    """BOT-3: tw's holiday 2026-10-09 (a Friday) has no working hours: the bot answers all day."""
    found = timeline(demo("tw"), dt.date(2026, 10, 9), dt.date(2026, 10, 9))
    [day] = found.days
    assert day.holiday
    assert [(s.answering.standing, s.answering.answers) for s in day.segments] == [("holiday", "bot")]


def test_BOT3_a_holiday_closes_the_night_that_starts_on_it_not_the_one_before() -> None:
    """BOT-3: sg's late shift runs 20:00-02:00 on Fridays and Saturdays; Saturday 2026-03-21 is a
    holiday. Friday's shift still ends at 02:00 on the holiday; the holiday's own shift is closed, so
    Sunday morning is the bot's."""
    found = timeline(demo("sg"), dt.date(2026, 3, 20), dt.date(2026, 3, 22))
    assert stretches(found, dt.date(2026, 3, 21)) == [
        ("2026-03-21T00:00+08:00", "2026-03-21T02:00+08:00", "agents", "waits"),
        ("2026-03-21T02:00+08:00", "2026-03-22T00:00+08:00", "bot", "answers"),
    ]
    assert stretches(found, dt.date(2026, 3, 22)) == [
        ("2026-03-22T00:00+08:00", "2026-03-23T00:00+08:00", "bot", "answers")
    ]
    friday = stretches(found, dt.date(2026, 3, 20))
    assert friday[-1] == ("2026-03-20T20:00+08:00", "2026-03-21T00:00+08:00", "agents", "waits")


def test_BOT3_the_clock_goes_back_the_day_has_25_hours(berlin: Shop) -> None:
    """BOT-3: Sunday 2026-10-25 in Europe/Berlin lasts 25 hours. Saturday's shift runs to 02:30 on the
    wall clock, and the wall clock passes 02:00-02:30 twice (CEST, then CET): agents both times."""
    found = timeline(berlin, dt.date(2026, 10, 25), dt.date(2026, 10, 25))
    [day] = found.days
    assert day.minutes == 25 * 60
    assert stretches(found, day.date) == [
        ("2026-10-25T00:00+02:00", "2026-10-25T02:30+02:00", "agents", "waits"),
        ("2026-10-25T02:30+02:00", "2026-10-25T02:00+01:00", "bot", "answers"),
        ("2026-10-25T02:00+01:00", "2026-10-25T02:30+01:00", "agents", "waits"),
        ("2026-10-25T02:30+01:00", "2026-10-26T00:00+01:00", "bot", "answers"),
    ]
    assert sum((s.end - s.start for s in day.segments), dt.timedelta()) == dt.timedelta(hours=25)


def test_BOT3_the_clock_goes_forward_the_day_has_23_hours(berlin: Shop) -> None:
    """BOT-3: Sunday 2026-03-29 lasts 23 hours: 02:00-03:00 never happens, so Saturday's shift (to
    02:30) ends when the clock jumps from 02:00 to 03:00. A stretch ends where the offset changes."""
    found = timeline(berlin, dt.date(2026, 3, 29), dt.date(2026, 3, 29))
    [day] = found.days
    assert day.minutes == 23 * 60
    assert stretches(found, day.date) == [
        ("2026-03-29T00:00+01:00", "2026-03-29T03:00+02:00", "agents", "waits"),
        ("2026-03-29T03:00+02:00", "2026-03-30T00:00+02:00", "bot", "answers"),
    ]


def test_a_period_ends_in_the_middle_of_a_night_shift(berlin: Shop) -> None:
    """A period covers whole dates: Saturday 2026-10-31 (the sale's last day) runs its shift from 22:00
    under the sale (bot all day, auto-send); after midnight the same shift runs under the shop's own
    policy (assist suggesting, bot off hours only)."""
    found = timeline(berlin, dt.date(2026, 10, 31), dt.date(2026, 11, 1))
    saturday, sunday = found.days
    late = saturday.segments[-1].answering
    assert (late.working, late.period, late.assist, late.bot) == (True, "Herbst sale", "auto_send", "backup")
    early = sunday.segments[0].answering
    assert (early.working, early.period, early.assist, early.bot) == (True, None, "suggest", "waits")


def test_AR3_AR2_assist_auto_send_on_and_off(berlin: Shop) -> None:
    """AR-3: in the sale assist auto-sends; AR-2: outside it the shop's assist only suggests."""
    found = timeline(berlin, dt.date(2026, 10, 27), dt.date(2026, 10, 29))
    modes = [{s.answering.assist for s in d.segments if s.answering.working} for d in found.days]
    assert modes == [{"suggest"}, set(), {"auto_send"}]  # 10-28 is a holiday: nobody works


def test_BOT1_switches_flipped_at_run_time_are_in_force(berlin: Shop) -> None:
    """BOT-1, AR-1: with the bot and assist switched off at run time, nobody answers off hours and
    agents answer alone, whatever the rules and the period say."""
    found = timeline(berlin, dt.date(2026, 10, 29), dt.date(2026, 10, 29), Settings(bot=False, assist=False))
    assert {(s.answering.answers, s.answering.assist, s.answering.bot) for s in found.days[0].segments} == {
        ("nobody", "off", "off"),
        ("agents", "off", "off"),
    }


def test_each_stretch_holds_one_answer_minute_by_minute(berlin: Shop) -> None:
    """Every minute of every day, across both changes of the clock, a holiday and a period: the
    stretch holding it has the answer `answering` gives for that minute, and the stretches tile the
    days without gaps."""
    for shop, first, last in (
        (berlin, dt.date(2026, 10, 24), dt.date(2026, 11, 1)),
        (berlin, dt.date(2026, 3, 28), dt.date(2026, 3, 30)),
        (demo("sg"), dt.date(2026, 3, 20), dt.date(2026, 3, 22)),
    ):
        found = timeline(shop, first, last)
        timetable = Timetable.of(shop)
        segments = [s for d in found.days for s in d.segments]
        assert all(a.end == b.start for a, b in itertools.pairwise(segments))
        for segment in segments:
            at = segment.start
            while at < segment.end:
                assert answering(shop, timetable, timetable.local(at)) == segment.answering, at
                at += dt.timedelta(minutes=1)


@pytest.mark.parametrize("bot_when", ["off_hours", "all_day"])
@pytest.mark.parametrize("time", ["2026-11-25T08:30", "2026-11-25T12:30", "2026-11-25T14:00", "2026-12-25T14:00"])
def test_BOT2_BOT3_the_bot_answers_where_the_timeline_says(tw: CompiledShop, bot_when: str, time: str) -> None:
    """BOT-2, BOT-3: with no agent online, the decide step lets the bot answer exactly where the
    timeline says the bot answers or backs the agents up (night, lunch, working hours, a holiday)."""
    rules = with_bot(tw, when=bot_when)
    instant = dt.datetime.fromisoformat(time)
    expected = answering(rules.shop, rules.timetable, instant).bot in ("answers", "backup")
    _, actions = play(rules, says(time, STATUS))
    assert any(a.sender == Sender.bot for a in actions if a.type == "send") == expected


@pytest.mark.parametrize("auto_send", [True, False])
def test_AR3_assist_auto_sends_where_the_timeline_says(tw: CompiledShop, auto_send: bool) -> None:
    """AR-3, D-7: bob online and not in the conversation: assist auto-sends iff the timeline says so."""
    rules = with_assist(tw, auto_send=auto_send)
    time = "2026-11-25T14:00"
    mode = answering(rules.shop, rules.timetable, dt.datetime.fromisoformat(time)).assist
    _, actions = play(rules, online(time, "bob"), says(time, STATUS))
    sent = [a.sender for a in actions if a.type == "send" and a.kind == Kind.answer]
    assert (sent == [Sender.assist]) == (mode == "auto_send")


def test_a_timeline_goes_through_json_and_back(berlin: Shop) -> None:
    found = timeline(berlin, dt.date(2026, 10, 24), dt.date(2026, 11, 1))
    text = found.model_dump_json(by_alias=True)
    assert '"from":"2026-10-24"' in text and '"to":"2026-11-01"' in text
    assert Timeline.model_validate_json(text) == found


def test_shifts_say_what_a_change_moves(tmp_path: Path, berlin: Shop) -> None:
    """The seam of `kefu when --base`: Saturday's shift dropped, the bot now answers Saturday 22:00 to
    Sunday 02:30 (twice 02:00-02:30 on the night the clock goes back)."""
    changed = shop_of(tmp_path / "changed", BERLIN.replace(", sat 22:00-02:30", ""), "de")
    first, last = dt.date(2026, 10, 24), dt.date(2026, 10, 26)
    found = shifts(timeline(berlin, first, last), timeline(changed, first, last))
    assert [
        (s.start.isoformat(timespec="minutes"), s.end.isoformat(timespec="minutes"), s.before.answers, s.after.answers)
        for s in found
    ] == [
        ("2026-10-24T22:00+02:00", "2026-10-25T02:30+02:00", "agents", "bot"),
        ("2026-10-25T02:00+01:00", "2026-10-25T02:30+01:00", "agents", "bot"),
    ]
    assert shifts(timeline(berlin, first, last), timeline(berlin, first, last)) == ()


def test_a_timeline_refuses_a_backward_or_too_long_range(berlin: Shop) -> None:
    with pytest.raises(ValueError, match="before it starts"):
        timeline(berlin, dt.date(2026, 1, 2), dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match=f"at most {MAX_DAYS} days"):
        timeline(berlin, dt.date(2026, 1, 1), dt.date(2026, 1, 1) + dt.timedelta(days=MAX_DAYS))
    assert len(timeline(berlin, dt.date(2026, 1, 1), dt.date(2027, 1, 1)).days) == MAX_DAYS
    with pytest.raises(ValueError, match="between 0001-01-02 and 9999-12-30"):
        timeline(berlin, dt.date.min, dt.date.min)
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):  # +14:00 and -12:00
        far = berlin.model_copy(update={"timezone": zone})
        assert [len(timeline(far, day, day).days) for day in (EARLIEST, LATEST)] == [1, 1]


ZONES = ("Europe/Berlin", "America/Havana", "Australia/Lord_Howe", "America/Santiago", "Asia/Taipei", "UTC")
NEAR = [dt.date(2026, 3, 8), dt.date(2026, 3, 29), dt.date(2026, 4, 5), dt.date(2026, 9, 6), dt.date(2026, 10, 4)]
NEAR += [dt.date(2026, 10, 25), dt.date(2026, 11, 1), dt.date(2026, 12, 31)]


@st.composite
def ranges(draw: st.DrawFn) -> TimeRange:
    start = draw(st.integers(0, 1439))
    return TimeRange(start=start, end=draw(st.integers(start + 1, start + 1440)))


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    return Policy(
        assist=Assist(enabled=draw(st.booleans()), auto_send=draw(st.booleans())),
        bot=Bot(enabled=draw(st.booleans()), when=draw(st.sampled_from(list(BotHours)))),
    )


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Shop, dt.date, dt.date]:
    """A shop with any hours (past midnight too), a holiday and a period, on a zone whose clock changes
    (by an hour, by half an hour, at midnight) or not, and two days near one of its changes."""
    first = draw(st.sampled_from(NEAR)) + dt.timedelta(days=draw(st.integers(-1, 0)))
    near = st.integers(-1, 2).map(lambda days: first + dt.timedelta(days=days))
    hours = tuple(
        WorkingDay(weekday=day, ranges=tuple(draw(st.lists(ranges(), max_size=2))))
        for day in draw(st.sets(st.integers(0, 6), max_size=7))
    )
    closed = tuple(DateRange(start=day, end=day) for day in draw(st.lists(near, max_size=1)))
    periods = tuple(
        Period(name="p", dates=DateRange(start=day, end=day), policy=draw(policies()))
        for day in draw(st.lists(near, max_size=1))
    )
    shop = Shop(
        id="x",
        name="x",
        timezone=draw(st.sampled_from(ZONES)),
        hours=hours,
        closed=closed,
        periods=periods,
        policy=draw(policies()),
    )
    return shop, first, first + dt.timedelta(days=1)


@given(calendars())
def test_stretches_tile_the_days_and_hold_one_answer_each(calendar: tuple[Shop, dt.date, dt.date]) -> None:
    """Any hours, holiday, period and zone: the stretches cover each day from its first instant to the
    next day's without gaps or empty stretches, and every minute of a stretch has its answer (checked
    minute by minute on the day the clock changes, at each stretch's first and last minute elsewhere)."""
    shop, first, last = calendar
    found = timeline(shop, first, last)
    timetable = Timetable.of(shop)
    assert [d.date for d in found.days] == [first, last]
    for day in found.days:
        start, end = day.segments[0].start, day.segments[-1].end
        assert start.astimezone(timetable.zone).date() == day.date
        assert (start - dt.timedelta(seconds=1)).astimezone(timetable.zone).date() < day.date
        assert end.astimezone(timetable.zone).date() > day.date
        assert (end - start) == dt.timedelta(minutes=day.minutes)
        for before, after in itertools.pairwise(day.segments):
            assert before.end == after.start
            assert before.answering != after.answering or before.start.utcoffset() != after.start.utcoffset()
        for segment in day.segments:
            assert segment.start < segment.end
            last = segment.end - dt.timedelta(minutes=1)
            for at in (segment.start, last):
                assert answering(shop, timetable, timetable.local(at)) == segment.answering, at
    assert found.days[0].segments[-1].end == found.days[1].segments[0].start
    odd = [day for day in found.days if day.minutes != 1440]  # minute by minute: the day the clock changes
    for segment in (odd or found.days)[0].segments:
        at = segment.start
        while at < segment.end:
            assert answering(shop, timetable, timetable.local(at)) == segment.answering, at
            at += dt.timedelta(minutes=1)
