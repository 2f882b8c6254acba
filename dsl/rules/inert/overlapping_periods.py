"""K059: a period that overlaps another: on the shared days only the later one is in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import DateRange, Shop

LINT = True

CODE = define(
    "K059",
    "overlapping-periods",
    "two periods cover the same days",
    "A period's settings replace the shop's between its dates, and on a day two periods cover, only the "
    "one written later is in force: nothing of the earlier one applies that day, not even the settings "
    "the later one does not write. An earlier period whose every day a later one covers never takes "
    "effect at all. Give the periods days of their own, or write one period with the settings of both.",
    'period "sale" 2026-11-01..2026-11-30 {\n    bot { when all_day }\n}\nperiod "11.11" 2026-11-10..2026-11-12 {\n'
    '    greeting "雙11快樂!"\n}',
    'period "sale" 2026-11-01..2026-11-09 {\n    bot { when all_day }\n}\nperiod "11.11" 2026-11-10..2026-11-12 {\n'
    '    bot { when all_day }\n    greeting "雙11快樂!"\n}',
    level=Severity.warning,
    category="inert",
    level_reason="The shop runs as written, as documented: the later period wins. The earlier one's "
    "settings are only missing on those days, which is seldom what was meant.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    for index, later in enumerate(shop.periods):
        for earlier in shop.periods[:index]:
            shared = _shared(earlier.dates, later.dates)
            if shared is None or later.span is None:
                continue
            covered = _covered(earlier.dates, [p.dates for p in shop.periods[index:]])
            never = " and so never takes effect" if covered else ""
            yield CODE.at(
                later.span,
                f"period '{later.name}' overlaps '{earlier.name}' on {_dates(shared)}: there only "
                f"'{later.name}' is in force, '{earlier.name}' not at all{never}",
                f"give each period days of its own, or write '{earlier.name}''s settings into '{later.name}' too",
                related=(earlier.span,) if earlier.span else (),
            )


def _shared(a: DateRange, b: DateRange) -> DateRange | None:
    start, end = max(a.start, b.start), min(a.end, b.end)
    return DateRange(start=start, end=end) if start <= end else None


def _covered(dates: DateRange, later: list[DateRange]) -> bool:
    """Whether every day of `dates` lies in one of the `later` ranges."""
    day = dates.start
    while day <= dates.end:
        after = [r for r in later if r.start <= day <= r.end]
        if not after:
            return False
        day = max(r.end for r in after) + dt.timedelta(days=1)
    return True


def _dates(dates: DateRange) -> str:
    return str(dates.start) if dates.start == dates.end else f"{dates.start}..{dates.end}"
