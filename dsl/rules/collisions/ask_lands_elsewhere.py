"""K050: an ask that, written by a customer word for word, lands on another entry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefu.dsl.codes import define
from kefu.dsl.rules.matching.duplicate_ask import ask_key
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

if TYPE_CHECKING:
    from kefu.dsl.rules import Context

NEEDS_MATCHER = True
LINT = True

CODE = define(
    "K050",
    "ask-lands-elsewhere",
    "an ask that, written word for word, is answered with another entry",
    "Each ask is matched as if a customer had written exactly it. When the best entry is another one, "
    "the ask is worse than useless: the customer who writes it is offered the other entry's reply. It "
    "happens when normalisation and synonyms make two asks the same text (`包郵嗎?` and `包邮吗`, or "
    "`免運` where `包郵 = 免運`), or when another entry's asks and keywords cover every word of this one. "
    "Asks that are the same as written are K021 (found by `kefu check`), and an entry none of whose asks "
    "reaches it is K053, which names where each of them lands.",
    'synonyms {\n    包郵 = 免運\n}\n\nfaq shipping.free {\n    ask "有包郵嗎"\n    reply "..."\n}\n'
    'faq shipping.island {\n    ask "有免運嗎"\n    reply "..."\n}',
    'faq shipping.island {\n    ask "離島有免運嗎"\n    reply "..."\n}',
    level=Severity.warning,
    category="collisions",
    level_reason="The shop runs as written; the customer who writes that ask is offered another entry's "
    "reply, which a person may still catch before it is sent.",
)


def check(shop: Shop, context: Context) -> Iterator[Diagnostic]:
    for entry, matches, reached in zip(shop.entries, context.ask_matches, context.reaching):
        if not reached:
            continue  # no ask of the entry reaches it: K053 says so, naming where each lands
        for ask, match in zip(entry.asks, matches):
            if match is None:  # its own entry wins clearly
                continue
            best = match.best
            if best is None or best.entry == entry.id or ask.span is None:
                continue
            other = shop.entry(best.entry)
            if other is not None and ask_key(ask.text) in {ask_key(a.text) for a in other.asks}:
                continue  # the same ask as written: K021 says so
            own = next((c for c in match.candidates if c.entry == entry.id), None)
            mine = f"'{entry.id}' raw {own.raw:.3f}" if own else f"'{entry.id}' is not among the 3 best"
            yield CODE.at(
                ask.span,
                f'the ask "{ask.text}" lands on \'{best.entry}\' (raw {best.raw:.3f}, like its "{best.ask}"), '
                f"not on its own entry ({mine})",
                f"reword it so it says what sets '{entry.id}' apart, or move it to '{best.entry}' if it belongs there",
                related=context.related(best.entry, best.ask),
            )
