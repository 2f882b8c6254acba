"""A shop's calendar compiled once: its zone, working ranges per weekday, closed days and periods.

`engine.clock` answers the same questions from the rules model on every call; a `Timetable` holds
the same facts as plain tuples, built once per rules load, so `decide` asks them with a few
comparisons and nothing is remembered between calls (a timetable never changes after it is built).
The answers are `clock.working` and `clock.policy_at`'s, checked against them by the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kefu.engine import clock
from kefu.engine.rules import Policy, Shop

Ranges = tuple[tuple[int, int], ...]  # (start, end) minutes after the day's midnight; end may pass 1440


@dataclass(frozen=True, slots=True)
class Timetable:
    """When a shop works and which policy is in force, for instants on its wall clock."""

    zone: ZoneInfo
    around_the_clock: bool  # the shop set no hours
    own: tuple[Ranges, ...]  # per weekday (0 = Monday): its ranges, as written
    spill: tuple[Ranges, ...]  # per weekday: its ranges past midnight, moved onto the next day's minutes
    closed: tuple[tuple[dt.date, dt.date], ...]  # inclusive holiday dates
    policy: Policy  # the shop's own
    periods: tuple[tuple[dt.date, dt.date, Policy], ...]  # in file order: the last covering a day wins

    @classmethod
    def of(cls, shop: Shop) -> Timetable:
        own: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        spill: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for day in shop.hours:
            for r in day.ranges:
                own[day.weekday].append((r.start, r.end))
                if r.end > clock.DAY:
                    spill[day.weekday].append((r.start - clock.DAY, r.end - clock.DAY))
        return cls(
            zone=clock.zone(shop.timezone),
            around_the_clock=not shop.hours,
            own=tuple(tuple(ranges) for ranges in own),
            spill=tuple(tuple(ranges) for ranges in spill),
            closed=tuple((d.start, d.end) for d in shop.closed),
            policy=shop.policy,
            periods=tuple((p.dates.start, p.dates.end, p.policy) for p in shop.periods),
        )

    def local(self, instant: dt.datetime) -> dt.datetime:
        """The instant on the shop's wall clock (a naive instant is already the shop's wall time)."""
        return instant if instant.tzinfo is None else instant.astimezone(self.zone)

    def is_closed(self, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.closed)

    def working(self, local: dt.datetime) -> bool:
        """`clock.working` for an instant already on the shop's wall clock (see `local`)."""
        if self.around_the_clock:
            return True
        minute = local.hour * 60 + local.minute
        today = local.date()
        if any(start <= minute < end for start, end in self.own[today.weekday()]) and not self.is_closed(today):
            return True
        yesterday = today - dt.timedelta(days=1)
        spilled = self.spill[yesterday.weekday()]
        return any(start <= minute < end for start, end in spilled) and not self.is_closed(yesterday)

    def standing(self, local: dt.datetime) -> str:
        """Where the shop's hours stand: `always` (no hours set), `holiday`, `working` or `off`."""
        if self.around_the_clock:
            return "always"
        if self.is_closed(local.date()):
            return "holiday"
        return "working" if self.working(local) else "off"

    def policy_at(self, local: dt.datetime) -> Policy:
        """`clock.policy_at` for an instant already on the shop's wall clock."""
        if not self.periods:
            return self.policy
        today = local.date()
        policy = self.policy
        for start, end, period_policy in self.periods:
            if start <= today <= end:
                policy = period_policy
        return policy
