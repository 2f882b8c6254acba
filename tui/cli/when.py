"""`kefu when RULES --from DATE --to DATE`: who answers a shop's customers, hour by hour.

Thin: `engine.timeline` computes the timeline (from the timetable, the period and the switches in
force, as the decide step reads them); this draws it (`tui.timeline_chart`) or prints it as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import json_option, rules_argument, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.shops import one_shop

MAX_DAYS = 366  # engine.timeline.MAX_DAYS, for --help, which imports no engine module (a test holds them equal)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@click.command()
@rules_argument()
@shop_option()
@click.option("--from", "start", required=True, metavar="DATE", help="The first day (YYYY-MM-DD, the shop's calendar).")
@click.option("--to", "end", required=True, metavar="DATE", help=f"The last day, included (at most {MAX_DAYS} days).")
@json_option("Print the timeline as one JSON object (keys in docs/when.md; `kefu schema when`).")
def when(rules: Path, shop_id: str | None, start: str, end: str, as_json: bool) -> None:
    """Who answers the shop's customers, hour by hour, on its own clock.

    Agents in working hours (and what assist does for them), the bot all day or off hours only,
    holidays, periods and daylight saving time applied, as the decide step applies them.
    A row per day, a column per hour: A/S/H agents with assist auto-sending / suggesting / off (a/s/h:
    and the bot takes whoever no agent is free for), B the bot, . nobody, / a change within the hour
    (the row's end says when), - an hour the clock skips. docs/when.md explains the chart.

    \b
    Examples:
      kefu when rules/shops/tw --from 2026-11-09 --to 2026-11-15
      kefu when rules/ --shop sg --from 2026-03-16 --to 2026-03-22
      kefu when rules/shops/tw --from 2026-11-01 --to 2026-11-30 --json
    """
    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        raise KefuError(f"--to {end} is before --from {start}", Failure.usage)
    if (last - first).days + 1 > MAX_DAYS:
        raise KefuError(
            f"--from {start} --to {end} covers {(last - first).days + 1} days; at most {MAX_DAYS}", Failure.usage
        )
    from kefu.engine.timeline import EARLIEST, LATEST, timeline

    for flag, text, date in (("--from", start, first), ("--to", end, last)):
        if not EARLIEST <= date <= LATEST:
            raise KefuError(f"{flag} {text} is out of range: kefu when reads {EARLIEST} to {LATEST}", Failure.usage)
    shop = one_shop(rules, shop_id)
    from kefu.tui.timeline_chart import chart

    found = timeline(shop, first, last)
    if as_json:
        click.echo(json.dumps(found.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=2))
        return
    for line in chart(found, shop):
        click.echo(visible(line))


def _date(text: str, flag: str) -> dt.date:
    """A YYYY-MM-DD date, or a usage error naming the flag."""
    try:
        if _DATE.fullmatch(text) is None:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise KefuError(f"{flag} {text!r} is not a date (YYYY-MM-DD)", Failure.usage) from None
