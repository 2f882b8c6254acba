"""`kefu metrics`: M-1..M-4 per shop and period, recomputed from the recorded history."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import SHOP_ONLY, db_option, json_option, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN
from kefu.tui.history import history_path, open_history

if TYPE_CHECKING:
    from kefu.engine.metrics import PeriodMetrics, Share
    from kefu.engine.store import Store

DATE_HELP = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+08:00]; without an offset, on the shop's clock"


@click.command()
@db_option("The database simulations recorded into")
@shop_option(SHOP_ONLY)
@click.option("--from", "start", default=None, metavar="TIME", help=f"Sessions opened from TIME on ({DATE_HELP}).")
@click.option(
    "--to",
    "end",
    default=None,
    metavar="TIME",
    help="Sessions opened before TIME; a date alone includes that whole day.",
)
@click.option(
    "--by",
    type=click.Choice(["all", "day", "week", "month"]),
    default="all",
    show_default=True,
    help="One row per shop, or per shop and day, ISO week or month (on the shop's clock).",
)
@click.option("--run", "run_id", type=int, default=None, help="Only this run (see --runs).")
@click.option("--runs", "list_runs", is_flag=True, help="List the recorded runs and stop.")
@json_option('Print one JSON object: {"db": ..., "periods": [...]}.')
def metrics(
    db_path: Path | None,
    shop_id: str | None,
    start: str | None,
    end: str | None,
    by: str,
    run_id: int | None,
    list_runs: bool,
    as_json: bool,
) -> None:
    """The four numbers of SPEC.md M-1..M-4, from everything recorded in the database.

    Sessions (D-1) count in the period their first message falls in; ratings in the period they
    were given. M-2 leaves out sessions still waiting less than 24 h for an answer (shown as
    pending). See docs/metrics.md for the exact definitions.

    \b
    Examples:
      kefu metrics
      kefu metrics --shop tw --from 2026-11-01 --to 2026-11-30 --by day
      kefu metrics --db night.db --json
    """
    from kefu.engine.metrics import Report, compute

    store = open_history(db_path)
    if store is None:
        _nothing(as_json, str(history_path(db_path)), "no history yet: record some with kefu simulate")
        return
    path = Path(store.path)
    with store:
        if list_runs:
            _print_runs(store, as_json)
            return
        zones = store.zones()
        shops = [s for s in store.shops() if shop_id is None or s == shop_id]
        if shop_id is not None and not shops:
            known = ", ".join(store.shops()) or "none"
            raise KefuError(f"no history for shop '{shop_id}' in {path}; shops there: {known}", Failure.not_found)
        periods = []
        for shop in shops:
            zone = zones.get(shop)
            window = (_instant(start, zone, "--from", False), _instant(end, zone, "--to", True))
            if window[0] and window[1] and window[0] >= window[1]:
                raise click.UsageError(f"--from {start} is not before --to {end}")
            report = compute(store.steps(shop=shop, run=run_id), zones, *window, by=by)
            periods.extend(report.periods)
    result = Report(periods=periods)
    if as_json:
        click.echo(json.dumps({"db": str(path), **result.model_dump(mode="json")}, ensure_ascii=False, indent=2))
        return
    if not periods:
        click.echo(f"kefu metrics: no sessions in {path} for that choice", err=True)
        return
    for period in periods:
        click.echo(_text(period, zones.get(period.shop)))
    sys.exit(EXIT_CLEAN)


def _nothing(as_json: bool, path: str, why: str) -> None:
    if as_json:
        click.echo(json.dumps({"db": path, "periods": []}, indent=2))
    else:
        click.echo(f"kefu metrics: {why} ({path})", err=True)


def _instant(text: str | None, zone: str | None, flag: str, end: bool) -> dt.datetime | None:
    """A --from/--to value as an aware instant; a date alone is its day's start (or, for --to, the next day's)."""
    if text is None:
        return None
    from kefu.engine.clock import zone as zone_of

    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            value = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time())
        else:
            value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.UsageError(f"{flag} {text!r}: expected {DATE_HELP}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone_of(zone) if zone else dt.UTC)
    return value


def duration(seconds: float | None) -> str:
    """`9h 34m`, `2m 5s`, `1d 3h`: the two largest units that are not zero."""
    if seconds is None:
        return "-"
    left = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, left = divmod(left, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts[:2]) or "0s"


def _share(share: Share) -> str:
    rate = "-" if share.rate is None else f"{share.rate * 100:.1f}%"
    return f"{share.count:>5} of {share.total:<5} {rate:>7}"


def _text(p: PeriodMetrics, zone: str | None) -> str:
    window = ""
    if p.start or p.end:
        window = (
            f"  from {p.start.isoformat() if p.start else 'the start'} to {p.end.isoformat() if p.end else 'the end'}"
        )
    first, satisfaction, responded = p.first_response, p.satisfaction, p.responded_24h
    lines = [
        visible(f"shop {p.shop}  period {p.period}{window}" + (f"  ({zone})" if zone else "")),
        f"  sessions                          {p.sessions:>5}",
        f"  M-1 smart reception resolved      {_share(p.resolved)}",
        f"  M-2 responded within 24 h         {_share(responded)}"
        + (f"  ({responded.pending} pending)" if responded.pending else ""),
        f"  M-3 average first response        {duration(first.average_seconds)}"
        + (
            f" over {first.sessions} session{'s' * (first.sessions != 1)}, median {duration(first.median_seconds)}"
            if first.sessions
            else " (no session with a human reply)"
        ),
        f"  M-4 satisfaction, smart reception {_share(satisfaction.smart_reception)}",
        f"      satisfaction, humans          {_share(satisfaction.human)}",
    ]
    if satisfaction.reasons:
        lines.append(
            "      unsolved because              " + ", ".join(f"{k} {v}" for k, v in satisfaction.reasons.items())
        )
    if satisfaction.unattributed:
        lines.append(f"      ratings with nothing to rate  {satisfaction.unattributed:>5}")
    return "\n".join(lines) + "\n"


def _print_runs(store: Store, as_json: bool) -> None:
    runs = store.runs()
    if as_json:
        click.echo(json.dumps({"runs": [r.model_dump(mode="json") for r in runs]}, ensure_ascii=False, indent=2))
        return
    for run in runs:
        click.echo(
            visible(
                f"{run.id:>5}  {run.started:%Y-%m-%d %H:%M:%S}  {run.events:>8} events  {run.source}  ({run.rules})"
            )
        )
