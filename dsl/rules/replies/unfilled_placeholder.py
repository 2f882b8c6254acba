"""K056: a placeholder that cannot be filled where the text is sent."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.dsl.rules.replies import sent_texts
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

LINT = True
_NAMED = re.compile(r"\$\$|\$\{\s*([a-z.]+)\s*\}")

CODE = define(
    "K056",
    "unfilled-placeholder",
    "a placeholder that is always empty where its text is sent",
    "Placeholders are filled when a text is sent (K025 lists them). Two can only ever be empty: "
    "`${shop.hours}` in a shop that sets no `hours`, and `${agent.name}` in what the bot sends (its "
    "fallback and off-hours reply, and every entry's reply once the bot is on, at the top level or in a "
    "period), since no person sends those. An empty placeholder leaves a sentence with a hole: "
    "`客服時間為 ,上線後...`. A customer's name may be unknown too, but the customer can see that.",
    'bot {\n    on\n    fallback "我是 ${agent.name},稍後回覆您"\n}',
    'bot {\n    on\n    fallback "客服稍後回覆您"\n}',
    level=Severity.warning,
    category="replies",
    level_reason="The text is sent, with the placeholder left empty and one space taken away with it.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    bot_on = shop.policy.bot.enabled or any(period.policy.bot.enabled for period in shop.periods)
    for text in sent_texts(shop):
        names = {found.group(1) for found in _NAMED.finditer(text.text) if found.group(1)}
        if "shop.hours" in names and not shop.hours:
            yield CODE.at(
                text.span,
                f"{text.what} has ${{shop.hours}}, but the shop sets no hours: it is always empty",
                "write the hours in the shop's header (hours mon-fri 09:00-18:00), or take the placeholder out",
            )
        if "agent.name" in names and (text.bot or (bot_on and text.entry is not None)):
            yield CODE.at(
                text.span,
                f"{text.what} has ${{agent.name}}, but the bot sends it, and the bot is no person: it is empty",
                "take ${agent.name} out of texts the bot sends",
            )
