"""K052: nearly the same ask under two entries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity, Span
from kefu.engine.rules import Shop

if TYPE_CHECKING:
    from kefu.dsl.rules import Context

NEEDS_MATCHER = True
LINT = True
NEAR = 0.9  # the scorer's similarity of two texts from which they are nearly the same ask

CODE = define(
    "K052",
    "near-duplicate-ask",
    "nearly the same ask under two entries",
    "Two asks under different entries that, normalised as the matcher reads them (width, case, "
    "punctuation, synonyms), differ in at most about one letter in ten (an edit-distance similarity of "
    "0.9 or more) are one question written twice (each ask is compared with the few texts of other entries "
    "that share the most of its rarer words, so two asks told apart only by a number the matcher reads, an "
    "order number in a template, are not reported): a customer who writes either (or anything near them) sits "
    "between two entries, and neither reply is auto-sent. Usually one entry is the right one, or the "
    "two entries are one intent and should be merged. Each pair is reported once, at the ask written "
    "later. Asks that are the same text once normalised are K050 (or K021, the same as written).",
    'faq refund.when {\n    ask "退款什麼時候到帳"\n    reply "..."\n}\nfaq refund.progress {\n'
    '    ask "退款什麼時候到帳?"\n    reply "..."\n}',
    'faq refund.progress {\n    ask "退款進度怎麼查"\n    reply "..."\n}',
    level=Severity.warning,
    category="collisions",
    level_reason="The shop runs as written: the two entries tie on those messages, which are then "
    "suggested or left to a person, so nothing wrong reaches a customer; the asks only stop helping.",
)


def near(context: Context, entry: int, ask: int) -> bool:
    """Whether ask `ask` of entry number `entry` is nearly the same as an ask of another entry."""
    neighbour = context.neighbours[entry][ask]
    return neighbour is not None and neighbour.similarity >= NEAR


def check(shop: Shop, context: Context) -> Iterator[Diagnostic]:
    for number, entry in enumerate(shop.entries):
        for index, ask in enumerate(entry.asks):
            neighbour = context.neighbours[number][index]
            if neighbour is None or neighbour.similarity < NEAR or ask.span is None:
                continue
            normalize = context.matcher.normalize
            if normalize(ask.text).text == normalize(neighbour.text).text:
                continue  # the same text to the matcher: K050 (or K021 as written) says so
            other = shop.entries[neighbour.entry]
            there = context.span_of(neighbour.entry, neighbour.text)
            if _mutual(context, number, index, neighbour.entry, neighbour.text) and _before(ask.span, there):
                continue  # each is the other's nearest: reported once, at the later of the two
            yield CODE.at(
                ask.span,
                f"the ask \"{ask.text}\" of '{entry.id}' and \"{neighbour.text}\" of '{other.id}' are nearly "
                f"the same (similarity {neighbour.similarity:.2f})",
                f"keep the question under the entry it belongs to, or merge '{entry.id}' and '{other.id}'",
                related=(there,) if there is not None else (),
            )


def _mutual(context: Context, entry: int, ask: int, other: int, text: str) -> bool:
    """Whether the other entry's ask `text` has this ask as its own nearest of another entry."""
    theirs = next((i for i, a in enumerate(context.shop.entries[other].asks) if a.text == text), None)
    if theirs is None:  # a title: titles are not looked at on their own
        return False
    back = context.neighbours[other][theirs]
    return back is not None and back.entry == entry and back.text == context.shop.entries[entry].asks[ask].text


def _before(span: Span, other: Span | None) -> bool:
    return other is not None and (span.file, span.line, span.column) < (other.file, other.line, other.column)
