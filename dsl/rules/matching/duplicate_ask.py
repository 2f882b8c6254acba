"""K021: the same ask under two entries: a customer writing exactly that is never answered with confidence."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import Shop

CODE = define(
    "K021",
    "duplicate-ask",
    "the same ask appears under two entries",
    "A customer writing exactly that ask would match two intents; the matcher could never be "
    "confident. Asks are compared after normalising width, case and spaces.",
    'faq a { ask "包郵嗎" }\nfaq b { ask "包郵嗎" }',
    "keep the ask under the entry it belongs to",
    level=Severity.warning,
    category="matching",
    level_reason="The shop builds and runs: the two entries tie on that message, so it is never auto-sent "
    "(D-8 wants a margin over other intents) and is handled like any message kefu is not sure of. Nothing "
    "wrong reaches a customer; the ask only stops helping.",
)


@lru_cache(maxsize=1 << 17)
def ask_key(text: str) -> str:
    """Width, case and spacing folded: '包郵嗎?' and '包郵嗎 ?' are the same ask. Kept for the texts
    seen last: `kefu lsp` checks a shop again at each keystroke, with nearly the same asks."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(folded.split())


def check(shop: Shop) -> Iterator[Diagnostic]:
    key_of = ask_key
    keys = [key_of(ask.text) for entry in shop.entries for ask in entry.asks]
    if len(set(keys)) == len(keys):  # no ask twice anywhere: the common case ends here
        return
    owners: dict[str, tuple[str, Span | None]] = {}
    for entry in shop.entries:
        for ask in entry.asks:
            key = key_of(ask.text)
            first = owners.get(key)
            if first is None:
                owners[key] = (entry.id, ask.span)
            elif first[0] != entry.id and ask.span is not None:
                yield CODE.at(
                    ask.span,
                    f"the ask \"{ask.text}\" is under both '{first[0]}' and '{entry.id}'",
                    f"keep it under the entry it belongs to; remove it from '{entry.id}' or '{first[0]}'",
                    related=(first[1],) if first[1] is not None else (),
                )
