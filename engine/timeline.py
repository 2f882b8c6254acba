"""Who answers a shop's customers, instant by instant and over days: the timeline `kefu when` draws.

`answering` says what answers at one instant from the facts the decide step reads there: working
hours and where the hours stand (`Timetable.working`, `Timetable.standing`), the period in force
(`clock.period_at`, `Timetable.policy_at`) and the switches in force (`Switches.of`,
`Switches.bot_in_hours`, the test `decide` itself makes for BOT-3). No calendar rule is written here
a second time: `timeline` only asks `answering` at every instant where the answer could change (each
minute a working range starts or ends on, each midnight, each change of the clock's offset) and keeps
the stretches between them.

A timeline is plain data: two timelines of one shop over the same days compare stretch by stretch
(`shifts`), which is what a change to the rules moves.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.engine import clock
from kefu.engine.inbox import Settings, Switches
from kefu.engine.rules import Shop
from kefu.engine.timetable import Timetable

Standing = Literal["always", "working", "off", "holiday"]  # `Timetable.standing`
AssistMode = Literal["off", "suggest", "auto_send"]
BotDuty = Literal["off", "waits", "backup", "answers"]
Answerer = Literal["agents", "bot", "nobody"]

UTC = dt.UTC
MAX_DAYS = 366  # the longest timeline kefu computes at once
EARLIEST, LATEST = dt.date.min + dt.timedelta(days=1), dt.date.max - dt.timedelta(days=1)  # each day has neighbours
_STEP = dt.timedelta(hours=1)  # offsets are sampled this often to find a change of the clock
_AS_WRITTEN = Settings()  # no switch flipped at run time


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Answering(_Frozen):
    """What answers customers at one instant, as the decide step would route a new customer there."""

    answers: Answerer = Field(description="who a new customer's message reaches first: agents, bot or nobody")
    working: bool = Field(description="within working hours: agents are on duty")
    standing: Standing = Field(
        description="where the hours stand: always (no hours set), working, off, or holiday (a closed date; "
        "working may still be true while the evening before's shift runs past midnight)"
    )
    period: str | None = Field(description="the name of the period in force; null: the shop's own settings")
    assist: AssistMode = Field(
        description="off; suggest (on, shop-wide auto-send off: AR-2); auto_send (on with shop-wide auto-send: AR-3)"
    )
    bot: BotDuty = Field(
        description="off; waits (on, off hours only, in working hours); backup (on all day, in working hours: "
        "answers customers no agent is free for, BOT-2); answers (on, outside working hours)"
    )


class Segment(_Frozen):
    """A stretch of time in which the answer stays the same: `start` up to `end` (excluded), each an
    instant on the shop's wall clock with its offset then (a fixed offset, as JSON writes it). A stretch
    also ends where the clock's offset changes (DST), so within one the wall clock runs evenly."""

    start: dt.datetime = Field(description="the stretch's first instant, with the shop's offset then")
    end: dt.datetime = Field(description="the instant after the stretch, with the shop's offset then")
    answering: Answering = Field(description="what answers customers during the stretch")


class Day(_Frozen):
    """One date of the shop's calendar and its stretches, in order, covering the whole day."""

    date: dt.date = Field(description="the date, on the shop's calendar")
    minutes: int = Field(description="how long the day really is: 1440, or 1380 / 1500 on a day the clock changes")
    holiday: bool = Field(description="a closed date (closed in the shop's rules)")
    period: str | None = Field(description="the name of the period in force that day, or null")
    segments: tuple[Segment, ...] = Field(description="stretches covering the day in order, without gaps")


class Timeline(_Frozen):
    """A shop's days from `first` to `last` (inclusive), on its own wall clock."""

    shop: str = Field(description="the shop's id")
    timezone: str = Field(description="the shop's IANA time zone: every time is read on its wall clock")
    first: dt.date = Field(alias="from", description="the first day asked for")
    last: dt.date = Field(alias="to", description="the last day asked for (included)")
    days: tuple[Day, ...] = Field(description="one per date, in order")


class Shift(_Frozen):
    """A stretch of time whose answer differs between two timelines of one shop."""

    start: dt.datetime
    end: dt.datetime
    before: Answering
    after: Answering


def answering(shop: Shop, timetable: Timetable, local: dt.datetime, settings: Settings | None = None) -> Answering:
    """What answers at `local`, an instant on the shop's wall clock (`Timetable.local`). `settings` are
    switches flipped at run time (none: everything as the rules and the period in force say)."""
    working = timetable.working(local)
    period = clock.period_at(shop, local.date())
    switches = Switches.of(settings or _AS_WRITTEN, timetable.policy_at(local))
    assist: AssistMode = "off" if not switches.assist else "auto_send" if switches.auto_send else "suggest"
    bot: BotDuty
    if not switches.bot:
        bot = "off"
    elif not switches.bot_in_hours(working):
        bot = "waits"
    else:
        bot = "backup" if working else "answers"
    return Answering(
        answers="agents" if working else "bot" if bot == "answers" else "nobody",
        working=working,
        standing=timetable.standing(local),
        period=period.name if period is not None else None,
        assist=assist,
        bot=bot,
    )


def day_start(timetable: Timetable, date: dt.date) -> dt.datetime:
    """The first instant of `date` on the shop's clock (its midnight, or the end of a change of the
    clock that skips midnight), in UTC."""
    return dt.datetime.combine(date, dt.time(0), tzinfo=timetable.zone).astimezone(UTC)


def timeline(shop: Shop, first: dt.date, last: dt.date, settings: Settings | None = None) -> Timeline:
    """Who answers `shop`'s customers from `first` to `last` (inclusive dates in its time zone)."""
    if last < first:
        raise ValueError(f"the timeline ends ({last}) before it starts ({first})")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError(f"a timeline covers at most {MAX_DAYS} days")
    if first < EARLIEST or last > LATEST:
        raise ValueError(f"a timeline lies between {EARLIEST} and {LATEST}")
    timetable = Timetable.of(shop)
    minutes = _turning_minutes(timetable)
    days = []
    date = first
    while date <= last:
        days.append(_day(shop, timetable, date, minutes, settings))
        date += dt.timedelta(days=1)
    return Timeline(shop=shop.id, timezone=shop.timezone, first=first, last=last, days=tuple(days))


def shifts(before: Timeline, after: Timeline) -> tuple[Shift, ...]:
    """Where two timelines of one shop over the same days answer differently, as stretches."""
    if (before.first, before.last, before.timezone) != (after.first, after.last, after.timezone):
        raise ValueError("the timelines cover different days or time zones")
    old = [s for day in before.days for s in day.segments]
    new = [s for day in after.days for s in day.segments]
    if not old or not new:
        return ()
    cuts = sorted({s.start for s in old} | {s.start for s in new} | {old[-1].end})
    found: list[Shift] = []
    i = j = 0
    for start, end in itertools.pairwise(cuts):
        while old[i].end <= start:
            i += 1
        while new[j].end <= start:
            j += 1
        was, now = old[i].answering, new[j].answering
        if was == now:
            continue
        if found and found[-1].end == start and (found[-1].before, found[-1].after) == (was, now):
            found[-1] = Shift(start=found[-1].start, end=end, before=was, after=now)
        else:
            found.append(Shift(start=start, end=end, before=was, after=now))
    return tuple(found)


def _turning_minutes(timetable: Timetable) -> tuple[int, ...]:
    """The minutes of a day at which working hours may begin or end: where a range starts or ends on
    any weekday (a range past midnight also on the next day's clock), and midnight, where the date and
    with it holidays and periods change. Between two of them the answer cannot change."""
    turning = {0}
    for ranges in (*timetable.own, *timetable.spill):
        for start, end in ranges:
            turning.update((start % clock.DAY, end % clock.DAY))
    return tuple(sorted(turning))


def _clock_changes(timetable: Timetable, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The instants in [start, end) at which the shop's clock changes its offset (DST), in UTC."""
    zone = timetable.zone
    found = []
    at = start
    while at < end:
        step = min(at + _STEP, end)
        if at.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            low, high = at, step  # low has the old offset, high the new one
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            if high < end:  # a change at `end` belongs to the next day
                found.append(high)
        at = step
    return found


def _day(shop: Shop, timetable: Timetable, date: dt.date, minutes: tuple[int, ...], settings: Settings | None) -> Day:
    start, end = day_start(timetable, date), day_start(timetable, date + dt.timedelta(days=1))
    changes = _clock_changes(timetable, start, end)
    cuts = {start, *changes}
    for minute in minutes:
        wall = dt.datetime.combine(date, dt.time(minute // 60, minute % 60))
        for fold in (0, 1):  # an hour the clock repeats holds the minute twice
            instant = wall.replace(tzinfo=timetable.zone, fold=fold).astimezone(UTC)
            if start <= instant < end and instant.astimezone(timetable.zone).replace(tzinfo=None) == wall:
                cuts.add(instant)
    ordered = sorted(cuts)
    segments: list[Segment] = []
    for at, until in zip(ordered, [*ordered[1:], end]):
        here = answering(shop, timetable, timetable.local(at), settings)
        last = segments[-1] if segments else None
        if last is not None and last.answering == here and at not in changes:
            segments[-1] = Segment(start=last.start, end=until, answering=here)
        else:
            segments.append(Segment(start=at, end=until, answering=here))
    period = clock.period_at(shop, date)
    return Day(
        date=date,
        minutes=round((end - start).total_seconds() / 60),
        holiday=timetable.is_closed(date),
        period=period.name if period is not None else None,
        segments=tuple(
            Segment(start=_fixed(timetable, s.start), end=_fixed(timetable, s.end), answering=s.answering)
            for s in segments
        ),
    )


def _fixed(timetable: Timetable, instant: dt.datetime) -> dt.datetime:
    """The instant on the shop's wall clock with its offset as a fixed zone: it prints and compares as
    the instant it is (two datetimes sharing a `ZoneInfo` compare by wall time, so the two 02:30s of the
    night the clock goes back would be equal)."""
    local = instant.astimezone(timetable.zone)
    offset = local.utcoffset()
    assert offset is not None
    return local.replace(tzinfo=dt.timezone(offset))
