"""`kefu lint PATHS...`: what parses and runs but hurts customers, found with the real matcher."""

from __future__ import annotations

from pathlib import Path

import click

from kefu.tui.cli.check import findings_options, report
from kefu.tui.cli.options import paths_argument
from kefu.tui.shops import parse_cache


@click.command()
@paths_argument()
@findings_options("lint", "warning")
def lint(paths: tuple[Path, ...], as_json: bool, fmt: str, max_errors: int, fail_on: str, no_cache: bool) -> None:
    """Find what parses and runs but hurts customers: every finding of `kefu check`, and asks that
    collide (K050-K053), replies that repeat, run long, hold an empty placeholder or send customers
    off the platform (K054-K057), entries no test reaches (K058) and settings that never take
    effect (K059-K061, K046).

    Each shop's asks are matched through its real matcher and its tests are run, so a shop of
    10,000 entries takes a while; an unchanged set of files is answered from the cache. Any finding
    fails the lint (exit 1) unless --fail-on error; silence one on its line with
    `# kefu: ignore[CODE]` and the reason. The shop's `lint { }` block sets the reply budget and
    the contact patterns (docs/lint.md).

    \b
    Examples:
      kefu lint rules/
      kefu lint rules/shops/tw --json
      kefu lint rules/ --format github       # in CI: annotations on the pull request
      kefu explain K051                      # what a finding means, and what to write instead
    """
    from kefu.dsl.findings import checked

    result = checked(list(paths), parse_cache(no_cache), lint=True)
    report(result.diagnostics, result.files, as_json, fmt, max_errors, fail_on, verb="linted")
