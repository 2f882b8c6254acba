"""K053: an entry none of whose asks reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.match import Decision, Match
from kefu.engine.rules import Shop

if TYPE_CHECKING:
    from kefu.dsl.rules import Context

NEEDS_MATCHER = True
LINT = True

CODE = define(
    "K053",
    "unreachable-entry",
    "an entry none of whose asks reaches it",
    "Each ask is matched as if a customer had written exactly it. When not one of an entry's asks "
    "brings it up, neither as an answer nor as a suggestion, no customer will get its reply from its "
    "own wording: every ask lands on another entry, or normalises to nothing the matcher can use "
    "(only punctuation, or words of another entry once synonyms are applied).",
    'faq a {\n    ask "包郵嗎"\n    reply "..."\n}\nfaq b {\n    ask "包郵嗎?"\n    reply "..."\n}',
    'faq b {\n    ask "離島包郵嗎?"\n    reply "..."\n}',
    level=Severity.warning,
    category="collisions",
    level_reason="The shop runs as written; the entry's reply can still be found by an agent typing its "
    "keywords, so it is dead weight for the matcher rather than a wrong answer.",
)


def check(shop: Shop, context: Context) -> Iterator[Diagnostic]:
    for entry, matches, reached in zip(shop.entries, context.ask_matches, context.reaching):
        if entry.span is None or reached:
            continue
        why = "; ".join(f'"{ask.text}" {_lands(match)}' for ask, match in zip(entry.asks, matches) if match is not None)
        yield CODE.at(
            entry.span,
            f"no ask of '{entry.id}' reaches it: {why}",
            "write asks in the words customers use for this question, different from other entries'",
        )


def _lands(match: Match) -> str:
    best = match.best
    if best is None:
        return "shares nothing with any entry" if match.message.text else "normalises to nothing"
    if match.decision == Decision.none:
        return f"is answered by nothing ({match.reason})"
    return f"lands on '{best.entry}'"
