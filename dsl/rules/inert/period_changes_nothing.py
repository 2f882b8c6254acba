"""K061: a period whose settings are all the shop's own: it changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import DateRange, Shop, without_spans

LINT = True

CODE = define(
    "K061",
    "period-changes-nothing",
    "a period whose settings are all the shop's own",
    "A period replaces the shop's assist, bot, matching and greeting settings between its dates with the "
    "ones it writes. When each setting it writes is what the shop has anyway (or it writes none), the "
    "period changes nothing on any day: usually a setting was meant to differ, or the period is left "
    "over from an event that has been edited away. A period that overlaps an earlier one is not looked "
    "at: on the shared days it replaces that period, and writing the shop's own settings is how it "
    "brings them back (K059 reports the overlap).",
    'bot {\n    on\n}\n\nperiod "11.11" 2026-11-10..2026-11-12 {\n    bot { on }\n}',
    'bot {\n    on\n}\n\nperiod "11.11" 2026-11-10..2026-11-12 {\n    bot { when all_day }\n}',
    level=Severity.warning,
    category="inert",
    level_reason="The shop runs as written; the period only has no effect.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    own = without_spans(shop.policy)
    for index, period in enumerate(shop.periods):
        if any(_overlap(period.dates, earlier.dates) for earlier in shop.periods[:index]):
            continue  # on shared days it replaces an earlier period, not the shop: K059 looks at those
        if period.span is not None and without_spans(period.policy) == own:
            yield CODE.at(
                period.span,
                f"period '{period.name}' sets nothing the shop does not already have: it changes nothing",
                "write the settings that should differ in it, or delete the period",
            )


def _overlap(a: DateRange, b: DateRange) -> bool:
    return max(a.start, b.start) <= min(a.end, b.end)
