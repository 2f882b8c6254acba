"""`kefu test PATH...`: run every `test` and `scenario` block, as a test runner would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.tui.edge import EXIT_CLEAN, EXIT_FINDINGS, load_shops

if TYPE_CHECKING:
    from kefu.engine.verify import Result


@click.command(name="test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print one JSON object: {"passed", "failed", "failures": [...], "results": [...]}.',
)
@click.option("--coverage", is_flag=True, help="Also list the entries that no test case or scenario reaches.")
@click.option("--shop", "shop_id", default=None, help="Only this shop.")
def test(paths: tuple[Path, ...], as_json: bool, coverage: bool, shop_id: str | None) -> None:
    """Run the rules' test cases and scenarios through the assistant.

    A case `"message" -> id` passes when the best entry is `id` and it is auto-sent or suggested;
    `-> none` passes when nothing would be auto-sent. A scenario plays a conversation on a
    virtual clock and checks each `expect`. One line per failure (file:line, expected, got),
    then `N passed, N failed`; exit 1 on any failure.

    \b
    Examples:
      kefu test rules/
      kefu test rules/shops/tw --coverage
      kefu test rules/ --json
    """
    from kefu.engine.verify import run_shop, uncovered

    shops = [shop for path in paths for shop in load_shops(path, "test")]
    shops = list({shop.id: shop for shop in shops}.values())
    if shop_id is not None:
        shops = [shop for shop in shops if shop.id == shop_id]
        if not shops:
            raise click.UsageError(f"no shop '{shop_id}' under {', '.join(map(str, paths))}")
    results, missing = [], []
    for shop in shops:
        shop_results = run_shop(shop)
        results.extend(shop_results)
        if coverage:
            where = {entry.id: entry.span for entry in shop.entries}
            missing.extend(
                {
                    "shop": shop.id,
                    "entry": entry,
                    "file": where[entry].file if where[entry] else None,
                    "line": where[entry].line if where[entry] else None,
                }
                for entry in uncovered(shop, shop_results)
            )
    failures = [r for r in results if not r.passed]
    passed = len(results) - len(failures)
    if as_json:
        document = {
            "passed": passed,
            "failed": len(failures),
            "failures": [_row(r) for r in failures],
            "results": [_row(r) for r in results],
        }
        if coverage:
            document["uncovered"] = missing
            document["entries"] = sum(len(shop.entries) for shop in shops)
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for failure in failures:
            where = f"{failure.file}:{failure.line}" if failure.file else failure.shop
            click.echo(f'{where}: {failure.kind} "{failure.block}": expected {failure.expected}, got {failure.got}')
        if coverage:
            for row in missing:
                click.echo(f"{row['file']}:{row['line']}: {row['entry']}: no test case or scenario reaches it")
            total = sum(len(shop.entries) for shop in shops)
            click.echo(f"coverage: {total - len(missing)} of {total} entries reached")
        if not results:
            click.echo("no test or scenario blocks found", err=True)
        click.echo(f"{passed} passed, {len(failures)} failed")
    sys.exit(EXIT_FINDINGS if failures else EXIT_CLEAN)


def _row(result: Result) -> dict[str, object]:
    return result.model_dump(exclude={"reached"})
