"""`kefu eval RULES QUERIES.jsonl`: answer quality on labelled messages, under the shop's own levels."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import json_option, rules_argument, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS
from kefu.tui.shops import one_shop

if TYPE_CHECKING:
    from kefu.engine.evaluation import Query, Report, SweepRow
    from kefu.engine.rules import Shop

FIGURES = (
    ("top1", "top-1 (in scope)"),
    ("auto_precision", "auto-send precision"),
    ("auto_coverage", "auto-send coverage"),
    ("oos_auto_rate", "out-of-scope auto-sent"),
    ("suggest_recall_at_3", "expected entry in top 3"),
    ("suggest_precision_at_3", "suggestions right in top 3"),
)


@click.command(name="eval")
@rules_argument()
@click.argument("queries", type=click.Path(path_type=Path, dir_okay=False))
@shop_option()
@json_option()
@click.option("--sweep", "show_sweep", is_flag=True, help="Precision and coverage across confidence levels.")
@click.option(
    "--target",
    type=click.FloatRange(0, 1),
    default=0.95,
    show_default=True,
    help="With --sweep: recommend the lowest level that keeps this precision.",
)
def eval_(rules: Path, queries: Path, shop_id: str | None, as_json: bool, show_sweep: bool, target: float) -> None:
    """Measure answer quality on labelled messages: {"text": ..., "expect": id or null} per line.

    null marks an out-of-scope message (nothing should be auto-sent). Figures are fractions 0-1
    under the shop's own levels; a progress bar shows on a terminal, never when piped.

    \b
    Examples:
      kefu eval rules/shops/tw queries.jsonl
      kefu eval shop/ queries.jsonl --json
      kefu eval shop/ queries.jsonl --sweep --target 0.95
    """
    from kefu.engine.evaluation import recommend, run, sweep
    from kefu.engine.matcher import Matcher

    shop = one_shop(rules, shop_id)
    parsed, problems = read_queries(queries)
    known = {entry.id for entry in shop.entries}
    unknown = [query for query in parsed if query.expect is not None and query.expect not in known]
    problems = sorted(
        problems + [(query.line, f"entry '{query.expect}' is not in shop '{shop.id}'") for query in unknown]
    )
    parsed = [query for query in parsed if query.expect is None or query.expect in known]  # not a matcher's miss
    for line, problem in problems:
        click.echo(visible(f"{queries}:{line}: {problem}"), err=True)
    if not parsed:
        raise KefuError(f"no usable query in {queries}", Failure.findings)
    matcher = Matcher(shop.entries, shop.synonyms)
    levels = shop.policy.matching
    if sys.stderr.isatty() and len(parsed) > 50:
        with click.progressbar(length=len(parsed), label="matching", file=sys.stderr) as bar:
            report, results = run(matcher, parsed, levels, progress=lambda _: bar.update(1))
    else:
        report, results = run(matcher, parsed, levels)
    rows = sweep(results, matcher, levels) if show_sweep else []
    best = recommend(rows, target) if show_sweep else None
    if as_json:
        document: dict[str, Any] = report.model_dump()
        if show_sweep:
            document["sweep"] = [row.model_dump() for row in rows]
            document["recommended_confidence"] = best.confidence if best else None
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for text in _text(shop, report, rows if show_sweep else None, best, target):
            click.echo(visible(text))
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


def read_queries(path: Path) -> tuple[list[Query], list[tuple[int, str]]]:
    """Queries from JSON Lines, and each bad line as (line number, what is wrong)."""
    from kefu.dsl.jsonl import objects
    from kefu.engine.evaluation import Query

    if not path.is_file():
        raise KefuError(f"{path}: no such file", Failure.not_found)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [(1, f"not UTF-8 (byte offset {exc.start})")]
    parsed: list[Query] = []
    problems: list[tuple[int, str]] = []
    for number, row in objects(text, problems):
        expect = row.get("expect")
        if (
            not isinstance(row.get("text"), str)
            or "expect" not in row
            or not (expect is None or isinstance(expect, str))
        ):
            problems.append((number, 'expected {"text": "...", "expect": "entry.id" or null}'))
            continue
        parsed.append(Query(text=row["text"], expect=expect, line=number))
    return parsed, problems


def _text(shop: Shop, report: Report, rows: list[SweepRow] | None, best: SweepRow | None, target: float) -> list[str]:
    levels = shop.policy.matching
    lines = [
        f"shop {shop.id}: {report.queries} queries ({report.in_scope} in scope, {report.out_of_scope} out of scope)",
        f"  levels: auto-send at {levels.confidence} with margin {levels.margin}, suggest at {levels.suggest}",
    ]
    for key, label in FIGURES:
        of = f" of {report.auto_sends} auto-sent" if key == "auto_precision" else ""
        lines.append(f"  {label:<26} {getattr(report, key) * 100:6.1f}%{of}")
    if report.meaning_held:
        lines.append(
            f"  {'held back for meaning':<26} {report.meaning_held:6d}  ({report.meaning_held_right} of them right): "
            "guesses the score would send, not sent"
        )
    if rows is None:
        return lines
    lines.append("  confidence  precision  at least  coverage  auto-sends")
    lines.extend(
        f"  {row.confidence:>10}  {row.precision * 100:8.1f}%  {row.precision_low * 100:7.1f}%  "
        f"{row.coverage * 100:7.1f}%  {row.auto_sends:>10}"
        for row in rows
    )
    lines.append("  (at least: the lowest precision the auto-sends are consistent with, 95% confidence)")
    if best is None:
        lines.append(f"  no level reaches precision {target:.0%}")
        return lines
    lines.append(
        f"  recommended: confidence {best.confidence} (precision {best.precision * 100:.1f}% of "
        f"{best.auto_sends} auto-sends, at least {best.precision_low * 100:.1f}%; coverage {best.coverage * 100:.1f}%)"
    )
    if best.precision_low < target:
        from kefu.engine.evaluation import needed_for

        needed = needed_for(best.precision, target)
        lines.append(
            f"  too few to show {target:.0%}: at this precision, about {needed} labelled auto-sends would show it"
            if needed is not None
            else f"  too few to show {target:.0%}: label more messages before trusting this level"
        )
    return lines
