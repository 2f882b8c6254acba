"""`kefu diff OLD NEW`: what a change to the rules means, by shop, entry and setting (dsl/compare.py),
with OLD and NEW paths on disk or at git revisions (tui/revisions.py)."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from typing import TYPE_CHECKING

import click

from kefu.tui.cli.options import json_option, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS
from kefu.tui.shops import parse_cache

if TYPE_CHECKING:
    from kefu.dsl.cache import Cache
    from kefu.dsl.compare import Side
    from kefu.tui.revisions import RulesSource


def load_side(source: RulesSource, cache: Cache) -> Side:
    """The rules `source` names, with where each shop's settings are written. Rules with errors are a
    `findings` failure showing them as `kefu check` does, files named as the side names them."""
    from kefu.dsl import render
    from kefu.dsl.cache import Cache
    from kefu.dsl.compare import Side, places_of
    from kefu.dsl.load import load

    if source.revision is not None:
        cache = Cache.disabled()  # a revision's files live in a folder made for this run: nothing to keep
    result = load([source.path], cache)
    if result.errors:
        errors = [
            d.model_copy(update={"span": d.span.model_copy(update={"file": source.name(d.span.file)})})
            for d in result.errors
        ]
        raise KefuError(
            f"the rules at {source.label} have {len(errors)} error(s); fix them first (kefu check)",
            Failure.findings,
            details=render.render_text(errors, lambda name: render.file_lines(str(source.disk_path(name)))),
        )
    places = {shop.id: places_of(shop, result.items) for shop in result.rules.shops}
    return Side(label=source.label, rules=result.rules, name=source.name, places=places)


def only_shop(old: Side, new: Side, shop_id: str) -> None:
    """Keep one shop on both sides (and no lone presets); a shop on neither side is an error."""
    ids = sorted({shop.id for side in (old, new) for shop in side.rules.shops})
    if shop_id not in ids:
        raise KefuError(
            f"no shop '{shop_id}' in {old.label} or {new.label}; shops there: {', '.join(ids) or 'none'}",
            Failure.not_found,
        )
    for side in (old, new):
        side.rules = side.rules.model_copy(
            update={"shops": tuple(s for s in side.rules.shops if s.id == shop_id), "presets": ()}
        )


@click.command()
@click.argument("old")
@click.argument("new")
@json_option('Print one JSON object: {"old", "new", "changes": [...], "counts"}.')
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format; markdown is made for a pull-request comment.",
)
@shop_option("Only this shop.")
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of using the content cache.")
def diff(old: str, new: str, as_json: bool, fmt: str, shop_id: str | None, no_cache: bool) -> None:
    """What a change to the rules means: entries added, removed, renamed; asks, keywords and replies;
    hours, holidays, periods, assist, bot, levels, staff, texts; each with file:line on both sides.

    OLD and NEW are paths or git revisions, read through git without a checkout: a path that exists
    is that path; REV:PATH is PATH at revision REV (from the repository's root, or from here with
    ./); a bare REV is the other argument's path at REV. Formatting, comments and the order of
    entries are no change. Changes only the owner or an admin may make (AR-1, BOT-1) are flagged.
    Exit status: 0 no change in meaning, 1 changes (or rules with errors), 2 a bad argument or
    revision.

    \b
    Examples:
      kefu diff HEAD~1 rules/                    # what the last commit changed in rules/
      kefu diff main:rules/ rules/               # this branch's rules against main's
      kefu diff HEAD~1:rules/shops/tw HEAD:rules/shops/tw --json
      kefu diff origin/main rules/ --format markdown > comment.md
    """
    from kefu.dsl.compare import compare
    from kefu.tui import diff_text
    from kefu.tui.revisions import opened, parse_spec

    if as_json and fmt not in ("text", "json"):
        raise KefuError(f"--json and --format {fmt} ask for two outputs; give one of them", Failure.usage)
    fmt = "json" if as_json else fmt
    old_spec, new_spec = parse_spec(old), parse_spec(new)
    cache = parse_cache(no_cache)
    with ExitStack() as stack:
        old_side = load_side(stack.enter_context(opened(old_spec, new_spec)), cache)
        new_side = load_side(stack.enter_context(opened(new_spec, old_spec)), cache)
        if shop_id is not None:
            only_shop(old_side, new_side, shop_id)
        result = compare(old_side, new_side)
    if fmt == "json":
        click.echo(diff_text.render_json(result))
    elif fmt == "markdown":
        click.echo(diff_text.render_markdown(result), nl=False)
    else:
        color = False if os.environ.get("NO_COLOR") else None
        if result.changes:
            click.echo(diff_text.render_text(result), color=color)
        click.echo(diff_text.summary(result), err=True)
    sys.exit(EXIT_FINDINGS if result.changes else EXIT_CLEAN)
