"""K058: an entry that no test case or scenario reaches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

if TYPE_CHECKING:
    from kefu.dsl.rules import Context

NEEDS_MATCHER = True
LINT = True

CODE = define(
    "K058",
    "untested-entry",
    "an entry that no test case or scenario reaches",
    "A test case `\"message\" -> id` or a scenario's `expect ... id` pins down that a customer's wording "
    "reaches the entry. An entry no test reaches can stop being answered, by an edit of its asks or by a "
    "new entry that takes its customers, and nothing says so until customers notice: `kefu test` and "
    "`kefu impact` only watch what the tests hold. A case reaches an entry when the entry is auto-sent "
    "or suggested for it (as `kefu test --coverage` counts). Preset entries count in each shop that "
    "uses them. An entry none of whose own asks reaches it is K053 instead.",
    'faq store.pickup "門市自取" {\n    ask "可以到門市自取嗎?"\n    reply "..."\n}',
    'faq store.pickup "門市自取" {\n    ask "可以到門市自取嗎?"\n    reply "..."\n}\n\ntest "pickup" {\n'
    '    "能去店裡拿貨嗎" -> store.pickup\n}',
    level=Severity.warning,
    category="coverage",
    level_reason="The shop runs as written; the entry is only unguarded against the next change.",
)


def check(shop: Shop, context: Context) -> Iterator[Diagnostic]:
    from kefu.engine.verify import uncovered  # the matcher's numpy and scipy: not on every rules load

    missing = set(uncovered(shop, context.results))
    for entry, reached in zip(shop.entries, context.reaching):
        if entry.id in missing and reached and entry.span is not None:  # unreached by its own asks: K053
            ask = entry.asks[0].text if entry.asks else entry.title
            yield CODE.at(
                entry.span,
                f"no test case or scenario of shop '{shop.id}' reaches '{entry.id}'",
                f'add a case in a customer\'s words, as in: "{ask}" -> {entry.id}',
            )
