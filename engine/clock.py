"""Time as a shop sees it: its time zone, working hours, holidays and timed periods (BOT-3).

Every function takes the instant from its caller (the engine never reads a clock). Wall-clock time
in the shop's own zone decides, so daylight-saving changes need no special case: 09:00 is 09:00 on
both sides of a change. A range past midnight (`20:00-02:00`) belongs to the day it starts on, so a
holiday closes the night that starts on it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from kefu.engine.rules import Period, Policy, Shop

DAY = 1440  # minutes


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(shop: Shop, instant: dt.datetime) -> dt.datetime:
    """The instant on the shop's wall clock (naive instants are already the shop's wall time)."""
    if instant.tzinfo is None:
        return instant
    return instant.astimezone(zone(shop.timezone))


def aware(shop: Shop, instant: dt.datetime) -> dt.datetime:
    """An instant with its offset: naive times are read in the shop's time zone."""
    if instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=zone(shop.timezone))


def _closed(shop: Shop, day: dt.date) -> bool:
    return any(day in holiday for holiday in shop.closed)


def working(shop: Shop, instant: dt.datetime) -> bool:
    """Whether the shop is within its working hours at `instant`. A shop that set no hours works
    around the clock; a holiday is closed all day."""
    if not shop.hours:
        return True
    now = local(shop, instant)
    minute = now.hour * 60 + now.minute
    today, yesterday = now.date(), now.date() - dt.timedelta(days=1)
    for day in shop.hours:
        if day.weekday == today.weekday() and not _closed(shop, today):
            if any(r.start <= minute < r.end for r in day.ranges):
                return True
        if day.weekday == yesterday.weekday() and not _closed(shop, yesterday):
            if any(r.end > DAY and r.start <= minute + DAY < r.end for r in day.ranges):
                return True
    return False


def period_at(shop: Shop, day: dt.date) -> Period | None:
    """The period in force on a day of the shop's calendar: the last one (in file order) covering it."""
    found = None
    for period in shop.periods:
        if day in period.dates:
            found = period
    return found


def policy_at(shop: Shop, instant: dt.datetime) -> Policy:
    """The policy in force: the shop's own, or the last period (in file order) covering the day."""
    period = period_at(shop, local(shop, instant).date())
    return period.policy if period is not None else shop.policy
