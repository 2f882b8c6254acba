"""K046: the shop's own data can never show its auto-send level (D-8, IR-2; see `kefu.engine.ceiling`).

It needs the shop's matcher (its calibration), so only `kefu check` and `kefu lint` run it: see `kefu.dsl.rules`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefu.dsl.codes import define
from kefu.engine.ceiling import ceiling
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Policy, Shop

if TYPE_CHECKING:  # every rules load imports this module; the matcher only `kefu check`
    from kefu.dsl.rules import Context

NEEDS_MATCHER = True

CODE = define(
    "K046",
    "unreachable-confidence",
    "the shop's own data can never show its auto-send level",
    "A score says how often, in the shop's own data, answers that clear were right: each ask is held out "
    "and matched against the rest. A shop with few asks per entry has few such samples, so its scores top "
    "out low, and a shop too small to calibrate (one entry, or fewer than 20 asks and titles to hold out) "
    "scores every guess 0. When the highest score the shop's "
    "data can show is below `confidence`, no message that is not word for word one of its asks is ever "
    "auto-sent, by assist or by the bot, however clearly it matches: the level silently means 'never'. "
    "The finding names the highest score and the shop's asks per entry; more asks per entry, worded as "
    "customers write, raise it. Only `kefu check` and `kefu lint` look: they build each shop's matcher (seconds for a "
    "shop of 10,000 entries), which loading rules for the other commands does not wait for.",
    'shop tea "Tea" {\n    language zh-Hant\n}\n\nmatching {\n    confidence 97\n}\n\n'
    'faq ship "運費" {\n    ask "運費多少?"\n    reply "..."\n}\n'
    'faq back "退貨" {\n    ask "可以退貨嗎?"\n    reply "..."\n}',
    'faq ship "運費" {\n    ask "運費多少?"\n    ask "寄到台中要多少錢"\n    ask "有免運嗎"\n'
    '    ask "運費怎麼算"\n    reply "..."\n}',
    level=Severity.warning,
    category="matching",
    level_reason="The shop builds and runs as written, and nothing wrong reaches a customer: messages the "
    "shop cannot be sure of are suggested or left to a person, as D-8 wants. The level only promises "
    "auto-sends the data cannot back.",
)


def check(shop: Shop, context: Context) -> Iterator[Diagnostic]:
    if not any(entry.auto for entry in shop.entries):  # nothing could be auto-sent at any level
        return
    policies: list[tuple[str, Policy]] = [("", shop.policy)]
    # one calibration for the whole shop: a period is checked only where it sets another confidence
    policies += [
        (f" during period '{p.name}'", p.policy)
        for p in shop.periods
        if p.policy.matching.confidence != shop.policy.matching.confidence
    ]
    for where, policy in policies:
        levels = policy.matching
        span = levels.span or shop.span
        found = ceiling(context.matcher, levels.confidence)
        if found.reached or span is None:
            continue
        yield CODE.at(
            span,
            f"confidence {levels.confidence} is never reached{where}: {found.shows()}",
            found.raise_it(),
        )
