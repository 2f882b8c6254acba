"""K021: the same ask under two entries makes both intents unrecognisable for that message."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from kefu.dsl.codes import K021
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop


def ask_key(text: str) -> str:
    """Width, case and spacing folded: '包郵嗎?' and '包郵嗎 ?' are the same ask."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(folded.split())


def check(shop: Shop) -> Iterator[Diagnostic]:
    owners: dict[str, tuple[str, object]] = {}
    for entry in shop.entries:
        for ask in entry.asks:
            key = ask_key(ask.text)
            first = owners.get(key)
            if first is None:
                owners[key] = (entry.id, ask.span)
            elif first[0] != entry.id and ask.span is not None:
                yield Diagnostic(
                    code=K021.code,
                    severity=Severity.error,
                    span=ask.span,
                    message=f"the ask \"{ask.text}\" is under both '{first[0]}' and '{entry.id}'",
                    help=f"keep it under the entry it belongs to; remove it from '{entry.id}' or '{first[0]}'",
                    related=(first[1],) if first[1] is not None else (),
                )
