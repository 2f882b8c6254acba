"""`kefu metrics`: M-1..M-4 per shop and period, recomputed from the recorded history."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import db_option, json_option, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN
from kefu.tui.history import history_path, known_shop, read_history

if TYPE_CHECKING:
    from kefu.engine.metrics import PeriodMetrics, Share
    from kefu.engine.store import Held, Run, Store

DATE_HELP = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+08:00]; without an offset, on the shop's clock"


@click.command()
@db_option("The database simulations recorded into")
@shop_option("Only this shop (one the database holds).")
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
@click.option(
    "--run",
    "run_ids",
    type=int,
    multiple=True,
    metavar="ID",
    help="Only this run (see --runs); repeat to combine runs. Default: each shop's latest run.",
)
@click.option("--all-runs", is_flag=True, help="Combine every recorded run (a session replayed twice counts twice).")
@click.option("--runs", "list_runs", is_flag=True, help="List the recorded runs (with --shop, its runs) and stop.")
@json_option('Print one JSON object: {"db": ..., "selection": ..., "runs": [...], "periods": [...]}.')
def metrics(
    db_path: Path | None,
    shop_id: str | None,
    start: str | None,
    end: str | None,
    by: str,
    run_ids: tuple[int, ...],
    all_runs: bool,
    list_runs: bool,
    as_json: bool,
) -> None:
    """The merchant's four numbers per shop (M-1..M-4), from the recorded history.

    \b
    M-1 smart reception resolved: sessions whose last message is a KB answer by assist or the bot
    M-2 responded within 24 h: sessions in which every customer message got a KB answer or a
        human reply within 24 h (sessions still waiting less than 24 h are pending, not counted)
    M-3 first response: from the first message smart reception did not answer to the first
        human reply after it (average and median)
    M-4 satisfaction: solved ratings out of all ratings, smart reception and humans side by side

    A session is a customer's messages and the replies until 24 h pass without a message; it
    counts in the period its first message falls in, a rating in the period it was given in.
    Each shop's figures come from its latest run unless --run or --all-runs says otherwise; the
    output says which runs they cover. The database is only read, never created or changed.

    \b
    Examples:
      kefu metrics
      kefu metrics --shop tw --from 2026-11-01 --to 2026-11-30 --by day
      kefu metrics --db night.db --run 3 --run 4 --json
    """
    if run_ids and all_runs:
        raise click.UsageError("--run and --all-runs exclude each other")
    if list_runs:
        listed = read_history(db_path, lambda store: _runs(store, shop_id))
        if listed is None:
            _nothing(as_json, {"db": str(history_path(db_path)), "runs": []})
            return
        _print_runs(listed[0], listed[1], as_json)
        return
    selection = "all" if all_runs else "chosen" if run_ids else "latest"
    read = read_history(db_path, lambda store: _measure(store, shop_id, start, end, by, run_ids, selection))
    if read is None:
        _nothing(as_json, {"db": str(history_path(db_path)), "selection": selection, "runs": [], "periods": []})
        return
    path, measured = read
    if as_json:
        click.echo(
            json.dumps(
                {
                    "db": str(path),
                    "selection": selection,
                    "runs": [run.model_dump(mode="json") for run in measured.runs],
                    "periods": [period.model_dump(mode="json") for period in measured.periods],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not measured.periods:
        runs = "; ".join(measured.covers[shop] for shop in sorted(measured.covers))
        click.echo(f"kefu metrics: no sessions in {path} for that choice" + (f" ({runs})" if runs else ""), err=True)
        return
    for period in measured.periods:
        click.echo(_text(period, measured.zones.get(period.shop), measured.covers[period.shop]))
    sys.exit(EXIT_CLEAN)


class _Measured(NamedTuple):
    periods: list[PeriodMetrics]
    runs: list[Run]  # every run the figures cover
    zones: dict[str, str]
    covers: dict[str, str]  # shop -> which runs its figures cover, said in words


def _measure(
    store: Store,
    shop_id: str | None,
    start: str | None,
    end: str | None,
    by: str,
    run_ids: tuple[int, ...],
    selection: str,
) -> _Measured:
    from kefu.engine.metrics import compute

    known_shop(store, shop_id)
    held = store.held()
    runs = {run.id: run for run in store.runs(held)}
    unknown = [str(run) for run in run_ids if run not in runs]
    if unknown:
        there = ", ".join(str(run) for run in runs) or "none"
        raise KefuError(f"no run {', '.join(unknown)} in {store.path}; runs there: {there}", Failure.not_found)
    recorded: dict[str, list[Held]] = {}
    for h in held:
        if shop_id is not None and h.shop != shop_id:
            continue
        recorded.setdefault(h.shop, []).append(h)
    chosen = {
        shop: [h for h in rows if h.run in run_ids] if run_ids else rows if selection == "all" else rows[-1:]
        for shop, rows in recorded.items()
    }
    chosen = {shop: rows for shop, rows in chosen.items() if rows}
    if shop_id is not None and not chosen:
        raise KefuError(
            f"run {', '.join(map(str, run_ids))} holds no events of shop '{shop_id}'; its runs: "
            + ", ".join(str(h.run) for h in recorded.get(shop_id, [])),
            Failure.not_found,
        )
    zones = store.zones()
    periods: list[PeriodMetrics] = []
    covers: dict[str, str] = {}
    for shop, rows in sorted(chosen.items()):  # shops in name order, as before
        ids = tuple(h.run for h in rows)
        zone = zones.get(shop)
        window = (_instant(start, zone, "--from", False), _instant(end, zone, "--to", True))
        if window[0] and window[1] and window[0] >= window[1]:
            raise click.UsageError(f"--from {start} is not before --to {end}")
        report = compute(store.steps(shop=shop, runs=ids), zones, *window, by=by)
        periods.extend(period.model_copy(update={"runs": ids}) for period in report.periods)
        covers[shop] = _cover(shop, rows, [runs[h.run] for h in rows], len(recorded[shop]), selection)
    covered = sorted({h.run for rows in chosen.values() for h in rows})
    return _Measured(periods, [runs[run] for run in covered], zones, covers)


def _runs(store: Store, shop_id: str | None) -> list[Run]:
    """Every recorded run; with `--shop`, the runs that recorded events of that shop."""
    known_shop(store, shop_id)
    held = store.held()
    holding = {h.run for h in held if h.shop == shop_id}
    return [run for run in store.runs(held) if shop_id is None or run.id in holding]


def _cover(shop: str, rows: list[Held], runs: list[Run], recorded: int, selection: str) -> str:
    """Which runs a shop's figures cover: ids, when they started, how many events of the shop."""
    events = sum(h.events for h in rows)
    first, last = (f"{run.started:%Y-%m-%d %H:%M:%S}" for run in (runs[0], runs[-1]))
    if len(runs) == 1:
        what = f"run {runs[0].id}, started {first} UTC"
    else:
        what = f"runs {', '.join(str(run.id) for run in runs)}, started {first} to {last} UTC"
    what += f", {events} event{'s' * (events != 1)} of shop {shop}"
    if selection == "latest" and recorded > 1:
        what += f" (the latest of {recorded} runs; --all-runs combines them)"
    return what


def _nothing(as_json: bool, empty: dict[str, object]) -> None:
    """Nothing recorded yet (the default database does not exist): `empty` is the JSON to print."""
    if as_json:
        click.echo(json.dumps(empty, indent=2))
    else:
        click.echo(f"kefu metrics: no history yet: record some with kefu simulate ({empty['db']})", err=True)


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


def _text(p: PeriodMetrics, zone: str | None, cover: str) -> str:
    window = ""
    if p.start or p.end:
        window = (
            f"  from {p.start.isoformat() if p.start else 'the start'} to {p.end.isoformat() if p.end else 'the end'}"
        )
    first, satisfaction, responded = p.first_response, p.satisfaction, p.responded_24h
    lines = [
        visible(f"shop {p.shop}  period {p.period}{window}" + (f"  ({zone})" if zone else "")),
        f"  {visible(cover)}",
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


def _print_runs(path: Path, runs: list[Run], as_json: bool) -> None:
    if as_json:
        listed = {"db": str(path), "runs": [r.model_dump(mode="json") for r in runs]}
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    for run in runs:
        click.echo(
            visible(
                f"{run.id:>5}  {run.started:%Y-%m-%d %H:%M:%S}  {run.events:>8} events  {run.source}  ({run.rules})"
            )
        )
