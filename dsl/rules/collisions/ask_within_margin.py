"""K051: an ask that beats another entry by less than the margin, so it is never auto-sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefu.dsl.codes import define
from kefu.dsl.rules.collisions.near_duplicate_ask import NEAR, near
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

if TYPE_CHECKING:
    from kefu.dsl.rules import Context

NEEDS_MATCHER = True
LINT = True

CODE = define(
    "K051",
    "ask-within-margin",
    "an ask that another entry shadows: written word for word, it is never auto-sent",
    "D-8 auto-sends an answer only when it beats the best entry of another intent by the shop's "
    "`margin`. Each ask is matched as if a customer had written exactly it; when its own entry wins by "
    "less than the margin, even that customer is only suggested the reply, by assist and by the bot "
    "alike, and a paraphrase of it fares no better. The finding names the entry in the way and both "
    "similarities. Only entries that may be auto-sent are looked at (`auto never` ones are suggested "
    "anyway), and asks nearly the same as another entry's are K052 instead.",
    'faq order.cancel {\n    ask "我要取消訂單"\n    reply "..."\n}\nfaq order.change {\n    ask "我要更改訂單"\n'
    '    reply "..."\n}',
    'faq order.cancel {\n    ask "我要取消訂單"\n    ask "訂單不要了"\n    keywords 取消\n    reply "..."\n}',
    level=Severity.warning,
    category="collisions",
    level_reason="The shop runs as written and nothing wrong is sent: the ask is suggested to a person "
    "instead of auto-sent, which only costs the shop the answers it meant to automate.",
)


def check(shop: Shop, context: Context) -> Iterator[Diagnostic]:
    levels = shop.policy.matching
    for number, (entry, matches) in enumerate(zip(shop.entries, context.ask_matches)):
        if not entry.auto:
            continue
        for index, (ask, match) in enumerate(zip(entry.asks, matches)):
            if match is None:  # its own entry wins by the margin or more
                continue
            best = match.best
            if best is None or best.entry != entry.id or ask.span is None or len(match.candidates) < 2:
                continue
            if match.margin >= levels.margin or near(context, number, index):
                continue
            other = match.candidates[1]
            yield CODE.at(
                ask.span,
                f'the ask "{ask.text}" beats \'{other.entry}\' (its "{other.ask}") by {match.margin:g} '
                f"points, under the margin {levels.margin}: written word for word, it is never auto-sent",
                f"give '{entry.id}' asks or keywords that '{other.entry}' does not share, or reword this one "
                f"(asks {NEAR:.0%} alike are K052)",
                related=context.related(other.entry, other.ask),
            )
