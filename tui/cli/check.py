"""`kefu check PATHS...`: every finding in rule files, as text, JSON or GitHub annotations."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.tui.cli.options import json_option, paths_argument
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS
from kefu.tui.shops import parse_cache

if TYPE_CHECKING:
    from kefu.engine.diagnostics import Diagnostic

FAIL_ON = ("error", "warning")


def summary(diagnostics: Sequence[Diagnostic], files: int, verb: str = "checked") -> str:
    """`checked 4 files: no problems`, `checked 1 file: found 2 errors and 1 warning`, `... found 1
    warning` (`linted ...` for kefu lint)."""
    errors = sum(d.severity.value == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    checked = f"{verb} {files} file{'s' * (files != 1)}"
    if not diagnostics:
        return f"{checked}: no problems"
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"{checked}: found {' and '.join(parts)}"


def findings_options(what: str, fail_on: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options `kefu check` and `kefu lint` share: output, --max-errors, --fail-on, --no-cache."""

    def apply(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(
            [
                json_option('Print one JSON object: {"diagnostics": [...]}.'),
                click.option(
                    "--format",
                    "fmt",
                    type=click.Choice(["text", "json", "github"]),
                    default="text",
                    show_default=True,
                    help="Output format; github prints GitHub Actions annotations.",
                ),
                click.option(
                    "--max-errors",
                    type=click.IntRange(min=0),
                    default=0,
                    show_default=True,
                    help="Print at most N findings (0: all). The exit status still counts all of them.",
                ),
                click.option(
                    "--fail-on",
                    type=click.Choice(FAIL_ON),
                    default=fail_on,
                    show_default=True,
                    help=f"The lowest level that fails the {what} (exit 1)"
                    + (": warnings exit 0 unless --fail-on warning." if fail_on == "error" else "."),
                ),
                click.option(
                    "--no-cache", is_flag=True, help="Parse every file again instead of using the content cache."
                ),
            ]
        ):
            command = option(command)
        return command

    return apply


@click.command()
@paths_argument()
@findings_options("check", "error")
def check(paths: tuple[Path, ...], as_json: bool, fmt: str, max_errors: int, fail_on: str, no_cache: bool) -> None:
    """Check rule files: syntax, settings, presets, references, tests' targets.

    PATHS are .kefu files or folders (searched recursively). A file inside a shop's folder is
    checked together with the rest of its shop. Each shop's matcher is built too, to warn when
    its own data can never show its confidence level (K046; seconds for a shop of 10,000 entries).

    \b
    Examples:
      kefu check rules/
      kefu check rules/shops/tw --json
      kefu check rules/ --format github      # in CI: annotations on the pull request
      kefu check rules/ --fail-on warning    # warnings fail the check too
    """
    from kefu.dsl.findings import checked

    result = checked(list(paths), parse_cache(no_cache))
    report(result.diagnostics, result.files, as_json, fmt, max_errors, fail_on)


def report(
    diagnostics: list[Diagnostic],
    files: int,
    as_json: bool,
    fmt: str,
    max_errors: int,
    fail_on: str,
    verb: str = "checked",
) -> None:
    """Print the findings as asked (text, JSON or GitHub annotations) and exit: 1 when a finding is at
    or above `fail_on`, else 0. `kefu check` and `kefu lint` share it."""
    from kefu.dsl import render

    shown = diagnostics[:max_errors] if max_errors else diagnostics
    if as_json and fmt not in ("text", "json"):
        raise KefuError(f"--json and --format {fmt} ask for two outputs; give one of them", Failure.usage)
    fmt = "json" if as_json else fmt
    if fmt == "json":
        click.echo(render.render_json(shown))
    elif fmt == "github":
        if shown:
            click.echo(render.render_github(shown))
    else:
        if shown:
            click.echo(render.render_text(shown) + "\n")
        if len(shown) < len(diagnostics):
            click.echo(f"... and {len(diagnostics) - len(shown)} more (--max-errors 0 shows all)", err=True)
        click.echo(summary(diagnostics, files, verb), err=True)
    sys.exit(EXIT_FINDINGS if diagnostics and _failing(diagnostics, fail_on) else EXIT_CLEAN)


def _failing(diagnostics: Sequence[Diagnostic], fail_on: str) -> bool:
    """Whether the findings fail the check (imports the levels only when there are findings)."""
    from kefu.dsl.levels import failing
    from kefu.engine.diagnostics import Severity

    return failing(diagnostics, Severity(fail_on))
