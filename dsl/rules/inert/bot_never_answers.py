"""K060: a bot that answers only off working hours, in a shop that never has any."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import BotHours, Policy, Shop

LINT = True
DAY = 24 * 60

CODE = define(
    "K060",
    "bot-never-answers",
    "the bot answers only off working hours, and the shop has none",
    "`bot { when off_hours }` (the default) answers customers only outside the shop's working hours and "
    "on its closed days (BOT-2). A shop that sets no `hours` works around the clock, closed days "
    "included, and one whose hours cover all 24 hours of every day and that closes no day is never off "
    "hours either: its bot, though on, never answers anyone. Set the hours the agents work, or let the "
    "bot answer all day.",
    'shop tw "Demo" {\n    timezone "Asia/Taipei"\n}\n\nbot {\n    on\n    when off_hours\n}',
    'shop tw "Demo" {\n    timezone "Asia/Taipei"\n    hours mon-fri 09:00-18:00\n}\n\n'
    "bot {\n    on\n    when off_hours\n}",
    level=Severity.warning,
    category="inert",
    level_reason="The shop runs as written and customers are left to its agents, as they would be with "
    "the bot off; the setting only does nothing.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    why = _never_off(shop)
    if why is None:
        return
    places: list[tuple[str, Policy]] = [("", shop.policy)] + [
        (f" in period '{p.name}'", p.policy) for p in shop.periods
    ]
    seen: set[object] = set()
    for where, policy in places:
        bot = policy.bot
        span = bot.span
        if not bot.enabled or bot.when != BotHours.off_hours or span is None or span in seen:
            continue
        seen.add(span)
        yield CODE.at(
            span,
            f"the bot{where} answers only off working hours, but {why}: it never answers",
            "set the shop's hours (hours mon-fri 09:00-18:00), or: bot { when all_day }",
        )


def _never_off(shop: Shop) -> str | None:
    """Why the shop is never off hours, or None when it sometimes is."""
    if not shop.hours:
        return "the shop sets no hours, so it works around the clock"
    if shop.closed:
        return None
    covered: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for day in shop.hours:
        for r in day.ranges:
            covered[day.weekday].append((r.start, min(r.end, DAY)))
            if r.end > DAY:
                covered[(day.weekday + 1) % 7].append((0, r.end - DAY))
    if all(_whole_day(ranges) for ranges in covered):
        return "its hours cover every hour of every day and it closes no day"
    return None


def _whole_day(ranges: list[tuple[int, int]]) -> bool:
    reached = 0
    for start, end in sorted(ranges):
        if start > reached:
            return False
        reached = max(reached, end)
    return reached >= DAY
