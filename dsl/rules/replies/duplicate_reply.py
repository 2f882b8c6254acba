"""K054: the same reply on two entries."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.dsl.rules.replies import Text, folded, replies
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

LINT = True

CODE = define(
    "K054",
    "duplicate-reply",
    "the same reply on two entries",
    "Two entries with one reply are one answer filed twice: the matcher splits the customers' wordings "
    "between them, so each scores lower than one entry holding all the asks would, and an edit of the "
    "reply must be made twice or the two drift apart. Replies are compared after folding width, case "
    "and spacing. Merge the entries, or say in each reply what is particular to it.",
    'faq shipping.fee {\n    ask "運費多少"\n    reply "滿千免運。"\n}\nfaq shipping.free {\n    ask "有包郵嗎"\n'
    '    reply "滿千免運。"\n}',
    'faq shipping.free {\n    ask "運費多少"\n    ask "有包郵嗎"\n    reply "滿千免運。"\n}',
    level=Severity.warning,
    category="replies",
    level_reason="The shop runs as written and every customer gets a right answer; the knowledge base is "
    "only harder to keep and to match than it needs to be.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    first: dict[str, Text] = {}
    for reply in replies(shop):
        key = folded(reply.text)
        earlier = first.setdefault(key, reply)
        if earlier is reply:
            continue
        yield CODE.at(
            reply.span,
            f"{reply.what} is the same as the reply of '{earlier.entry}'",
            f"merge '{reply.entry}' into '{earlier.entry}' (its asks too), or make each reply say what is its own",
            related=(earlier.span,),
        )
