"""Lint rules about replies as customers read them: the same reply on two entries, a reply over the
shop's budget, a placeholder that cannot be filled, contact details outside the platform."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from kefu.engine.diagnostics import Span
from kefu.engine.rules import Shop


@dataclass(frozen=True, slots=True)
class Text:
    """One text the shop sends customers: what it is, its words and where it is written."""

    what: str  # "the reply of 'shipping.free'", "the bot's fallback"
    text: str
    span: Span
    entry: str | None = None  # the entry whose reply it is
    bot: bool = False  # the bot's own text (its fallback or off-hours reply)


def replies(shop: Shop) -> Iterator[Text]:
    """Every entry's reply, at the reply's own line where known."""
    for entry in shop.entries:
        span = entry.reply_span or entry.span
        if span is not None:
            yield Text(f"the reply of '{entry.id}'", entry.reply, span, entry.id)


def sent_texts(shop: Shop) -> Iterator[Text]:
    """Every reply, and the greeting and the bot's texts of the shop and of each period."""
    yield from replies(shop)
    seen: set[tuple[str, Span]] = set()  # a period keeps the shop's texts it does not set: each once
    places = [("", shop.policy, shop.span)] + [(f" in period '{p.name}'", p.policy, p.span) for p in shop.periods]
    for where, policy, span in places:
        bot, written = policy.bot, dict(policy.bot.spans)
        found = [
            (f"the greeting{where}", policy.greeting, dict(policy.spans).get("greeting"), False),
            (f"the bot's fallback{where}", bot.fallback, written.get("fallback"), True),
            (f"the bot's off-hours reply{where}", bot.off_hours_reply, written.get("off_hours_reply"), True),
        ]
        for what, text, at, by_bot in found:
            place = at or span
            if text and place is not None and (text, place) not in seen:
                seen.add((text, place))
                yield Text(what, text, place, bot=by_bot)


def width(text: str) -> int:
    """The columns `text` takes: a wide (CJK) character two, a combining mark none, the rest one."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def folded(text: str) -> str:
    """Width, case and spacing folded: two replies that read the same compare equal."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
