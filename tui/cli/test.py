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
@json_option('Print one JSON object: {"passed", "failed", "failures": [...], "results": [...]}.')
@click.option("--coverage", is_flag=True, help="Also list the entries that no test case or scenario reaches.")
@shop_option(SHOP_ONLY)
@click.option(
    "--run",
    "run_pattern",
    metavar="PATTERN",
    default=None,
    help="Only the test blocks and scenarios whose name matches PATTERN, a Python regular expression "
    "searched anywhere in the name (`--run friday`, `--run '^shipping|^friday'`).",
)
@click.option("-v", "--verbose", is_flag=True, help="Print each test case and scenario with its result.")
def test(
    paths: tuple[Path, ...], as_json: bool, coverage: bool, shop_id: str | None, run_pattern: str | None, verbose: bool
) -> None:
    """Run the rules' test cases and scenarios through the assistant.

    A case `"message" -> id` passes when the best entry is `id` and it is auto-sent or suggested;
    `-> none` passes when nothing would be auto-sent. A scenario plays a conversation on a
    virtual clock and checks each `expect`. One line per failure (file:line, expected, got),
    then `N passed, N failed`; exit 1 on any failure, and when nothing ran (no test or scenario
    blocks, or none that --run matches).

    \b
    Examples:
      kefu test rules/
      kefu test rules/shops/tw --coverage
      kefu test rules/ --run friday -v
      kefu test rules/ --json
    """
    from kefu.engine.verify import run_shop, uncovered

    pattern = pattern_of(run_pattern)
    shops = shops_under(paths)
    if shop_id is not None:
        shops = [shop for shop in shops if shop.id == shop_id]
        if not shops:
            raise KefuError(f"no shop '{shop_id}' under {', '.join(map(str, paths))}", Failure.not_found)
    shops = [selected(shop, pattern) for shop in shops]
    results: list[Result] = []
    missing: list[dict[str, Any]] = []
    for shop in shops:
        shop_results = run_shop(shop)
        results.extend(shop_results)
        if coverage:
            missing.extend(_uncovered(shop, uncovered(shop, shop_results)))
    failures = [r for r in results if not r.passed]
    passed = len(results) - len(failures)
    entries = sum(len(shop.entries) for shop in shops)
    if as_json:
        document: dict[str, Any] = {
            "passed": passed,
            "failed": len(failures),
            "failures": [_row(r) for r in failures],
            "results": [_row(r) for r in results],
        }
        if coverage:
            document["uncovered"] = missing
            document["entries"] = entries
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for result in results if verbose else failures:
            click.echo(visible(result_line(result)))
        if coverage:
            for row in missing:
                click.echo(visible(f"{row['file']}:{row['line']}: {row['entry']}: no test case or scenario reaches it"))
            click.echo(f"coverage: {entries - len(missing)} of {entries} entries reached")
        if results:
            click.echo(f"{passed} passed, {len(failures)} failed")
    if not results:
        raise KefuError(_nothing_ran(paths, run_pattern), Failure.findings)
    sys.exit(EXIT_FINDINGS if failures else EXIT_CLEAN)


def _nothing_ran(paths: tuple[Path, ...], run_pattern: str | None) -> str:
    where = ", ".join(map(str, paths))
    if run_pattern is not None:
        return f"nothing ran: no test or scenario name under {where} matches --run {run_pattern!r}"
    return f"nothing ran: no test or scenario blocks under {where}"


def _uncovered(shop: Shop, entries: list[str]) -> list[dict[str, Any]]:
    where = {entry.id: entry.span for entry in shop.entries}
    return [
        {
            "shop": shop.id,
            "entry": entry,
            "file": where[entry].file if where[entry] else None,
            "line": where[entry].line if where[entry] else None,
        }
        for entry in entries
    ]


def _row(result: Result) -> dict[str, object]:
    return result.model_dump(exclude={"reached"})
