"""`kefu test PATHS...`: run the rules' `test` and `scenario` blocks, as a test runner would."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import SHOP_ONLY, json_option, paths_argument, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS
from kefu.tui.shops import shops_under

if TYPE_CHECKING:
    from kefu.engine.coverage import SettingUse, ShopCoverage
    from kefu.engine.rules import Shop
    from kefu.engine.verify import Result


def pattern_of(text: str | None) -> re.Pattern[str] | None:
    """The `--run` pattern, compiled; a pattern that is not a regular expression is a usage failure."""
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as error:
        raise KefuError(f"--run {text!r}: not a regular expression: {error}", Failure.usage) from None


def selected(shop: Shop, pattern: re.Pattern[str] | None) -> Shop:
    """The shop with only the test blocks and scenarios whose name the pattern finds (re.search)."""
    if pattern is None:
        return shop
    return shop.model_copy(
        update={
            "tests": tuple(block for block in shop.tests if pattern.search(block.name)),
            "scenarios": tuple(scenario for scenario in shop.scenarios if pattern.search(scenario.name)),
        }
    )


def result_line(result: Result) -> str:
    """`file:line: test "name": expected ..., got ...` for a failure; `...: ok` (and what it got) for a pass."""
    where = f"{result.file}:{result.line}" if result.file else result.shop
    head = f'{where}: {result.kind} "{result.block}"'
    if not result.passed:
        return f"{head}: expected {result.expected}, got {result.got}"
    return f"{head}: ok" + (f", {result.got}" if result.got else "")


@click.command(name="test")
@paths_argument()
@json_option(
    'Print one JSON object: {"passed", "failed", "failures": [...], "results": [...]}; with --coverage also '
    '"uncovered", "entries", "reached", "settings", "paths" and "summary" (docs/coverage.md).'
)
@click.option(
    "--coverage",
    is_flag=True,
    help="Also report, per shop, the entries, settings and decision paths the test cases and scenarios "
    "exercise, and list those none does (file:line).",
)
@shop_option(SHOP_ONLY)
@click.option(
    "--run",
    "run_pattern",
    metavar="PATTERN",
    default=None,
    help="Only the test blocks and scenarios whose name matches PATTERN, a Python regular expression "
    "searched anywhere in the name (`--run friday`, `--run '^shipping|^friday'`).",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Print each test case and scenario with its result; with --coverage every setting and path too.",
)
def test(
    paths: tuple[Path, ...], as_json: bool, coverage: bool, shop_id: str | None, run_pattern: str | None, verbose: bool
) -> None:
    """Run the rules' test cases and scenarios through the assistant.

    A case `"message" -> id` passes when the best entry is `id` and it is auto-sent or suggested;
    `-> none` passes when nothing would be auto-sent. A scenario plays a conversation on a
    virtual clock and checks each `expect`. One line per failure (file:line, expected, got),
    then `N passed, N failed`; exit 1 on any failure, and when nothing ran (no test or scenario
    blocks, or none that --run matches).

    With --coverage, after that line, per shop: how many of its entries the cases and scenarios
    reach, how many of its settings (each hours range, holiday, period, assist, bot, greeting and
    matching line, each staff member's role and own auto-send) a decision went through, and how
    many of the paths a decision can take (match decision, hours, route, what was sent, suggested
    or noticed...) were taken; then each one none exercises, with its file:line (docs/coverage.md).

    \b
    Examples:
      kefu test rules/
      kefu test rules/shops/tw --coverage
      kefu test rules/ --coverage --shop sg --run friday
      kefu test rules/ --run friday -v
      kefu test rules/ --json --coverage
    """
    from kefu.engine.verify import run_shop

    pattern = pattern_of(run_pattern)
    shops = shops_under(paths)
    if shop_id is not None:
        shops = [shop for shop in shops if shop.id == shop_id]
        if not shops:
            raise KefuError(f"no shop '{shop_id}' under {', '.join(map(str, paths))}", Failure.not_found)
    shops = [selected(shop, pattern) for shop in shops]
    results: list[Result] = []
    reports: list[ShopCoverage] = []
    for shop in shops:
        shop_results = run_shop(shop, explain=coverage)  # a `why` is built only for --coverage
        results.extend(shop_results)
        if coverage:
            from kefu.engine.coverage import coverage as coverage_of

            reports.append(coverage_of(shop, shop_results))
    failures = [r for r in results if not r.passed]
    passed = len(results) - len(failures)
    if as_json:
        document: dict[str, Any] = {
            "passed": passed,
            "failed": len(failures),
            "failures": [_row(r) for r in failures],
            "results": [_row(r) for r in results],
        }
        if coverage:
            document.update(coverage_document(reports))
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for result in results if verbose else failures:
            click.echo(visible(result_line(result)))
        if results:
            click.echo(f"{passed} passed, {len(failures)} failed")
        for report in reports:
            for line in coverage_lines(report, verbose):
                click.echo(visible(line))
    if not results:
        raise KefuError(_nothing_ran(paths, run_pattern), Failure.findings)
    sys.exit(EXIT_FINDINGS if failures else EXIT_CLEAN)


def coverage_document(reports: list[ShopCoverage]) -> dict[str, Any]:
    """The --json keys --coverage adds: `uncovered` and `entries` as before, and `reached`,
    `settings`, `paths` and `summary`."""
    entries = [entry for report in reports for entry in report.entries]
    return {
        "uncovered": [
            {"shop": e.shop, "entry": e.entry, "file": e.file, "line": e.line} for e in entries if not e.reached
        ],
        "entries": len(entries),
        "reached": [e.model_dump(exclude={"reached"}) for e in entries if e.reached],
        "settings": [s.model_dump() for report in reports for s in report.settings],
        "paths": [p.model_dump() for report in reports for p in report.paths],
        "summary": {report.shop: report.summary.model_dump() for report in reports},
    }


def coverage_lines(report: ShopCoverage, verbose: bool = False) -> list[str]:
    """The human report of one shop: the counts, then what nothing exercises (with -v: everything)."""
    summary = report.summary
    lines = [
        f"coverage: shop {report.shop}: {summary.entries.covered} of {summary.entries.total} entries reached, "
        f"{summary.settings.covered} of {summary.settings.total} settings exercised, "
        f"{summary.paths.covered} of {summary.paths.total} paths taken"
    ]
    for entry in report.entries:
        if not entry.reached:
            lines.append(
                f"{_where(entry.file, entry.line, report.shop)}: {entry.entry}: no test case or scenario reaches it"
            )
    for (where, name), values in _unexercised(report).items():
        them = "them" if len(values) > 1 else "it"
        lines.append(f"{where}: {name} {', '.join(values)}: no test or scenario exercises {them}")
    for path in report.paths:
        if not path.taken:
            lines.append(f"{report.shop}: path {path.path} ({path.what}): no test or scenario takes it")
    if verbose:
        for setting in report.settings:
            if setting.exercised:
                where = _where(setting.file, setting.line, report.shop)
                lines.append(f"{where}: {_setting_name(setting)} {_short(setting.value)}: {', '.join(setting.by)}")
        for path in report.paths:
            if path.taken:
                lines.append(f"{report.shop}: path {path.path}: {path.count} x, {', '.join(path.by)}")
    return lines


def _unexercised(report: ShopCoverage) -> dict[tuple[str, str], list[str]]:
    """Unexercised settings in the order of their lines, those of one kind on one line together (a
    line of holidays, of hours)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    rows = sorted(
        (s for s in report.settings if not s.exercised), key=lambda s: (s.file or "", s.line or 0)
    )  # stable: a line's own order stays
    for setting in rows:
        key = (_where(setting.file, setting.line, report.shop), _setting_name(setting))
        grouped.setdefault(key, []).append(_short(setting.value))
    return grouped


def _setting_name(setting: SettingUse) -> str:
    """`bot.when`, or `period "name"` for a period, or `bot.when` of a period as `period "name" bot.when`."""
    if setting.period is None:
        return setting.setting
    return f'period "{setting.period}"' + ("" if setting.setting == "period" else f" {setting.setting}")


def _short(value: str, width: int = 32) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 3] + "..."


def _where(file: str | None, line: int | None, shop: str) -> str:
    return f"{file}:{line}" if file else shop


def _nothing_ran(paths: tuple[Path, ...], run_pattern: str | None) -> str:
    where = ", ".join(map(str, paths))
    if run_pattern is not None:
        return f"nothing ran: no test or scenario name under {where} matches --run {run_pattern!r}"
    return f"nothing ran: no test or scenario blocks under {where}"


def _row(result: Result) -> dict[str, object]:
    return result.model_dump(exclude={"reached"})
