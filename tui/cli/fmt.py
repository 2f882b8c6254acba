"""`kefu fmt [PATHS...]`: rewrite rule files into the canonical form, or say what would change."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from kefu.dsl.visible import visible
from kefu.tui.atomic import write_atomically
from kefu.tui.cli.options import paths_argument
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS


def kefu_files(paths: tuple[Path, ...], unreadable: list[tuple[Path, str]]) -> list[Path]:
    """The `.kefu` files under `paths` (folders searched recursively), a missing path a failure;
    folders that cannot be listed go to `unreadable`, a file that cannot be looked at is kept (reading
    it says why)."""
    from kefu.dsl.files import kefu_files_below

    files: list[Path] = []
    for path in paths:
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except OSError:
            files.append(path)
            continue
        if not exists:
            raise KefuError(f"{path}: no such file or directory", Failure.not_found)
        files.extend(kefu_files_below(path, unreadable) if is_dir else [path])
    return files


def patch_lines(text: str) -> list[str]:
    """Lines as a patch counts them, each with its LF: `splitlines` would also cut at U+2028 or a form feed."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def unified_diff(before: str, after: str, name: str) -> str:
    """A patch: the lines exactly as they are, the file's name with control characters as escapes."""
    return "".join(
        difflib.unified_diff(
            patch_lines(before),
            patch_lines(after.lstrip("\ufeff")),
            f"a/{visible(name)}",
            f"b/{visible(name)}",
        )
    )


@click.command()
@paths_argument(required=False)
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; list files that would change, exit 1 if any."
)
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print a unified diff of what would change.")
def fmt(paths: tuple[Path, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite rule files into the canonical form (keeps every comment, never changes meaning).

    With no PATHS, reads standard input and writes the result to standard output. A file with
    syntax errors is left alone and its errors are printed.

    \b
    Examples:
      kefu fmt rules/
      kefu fmt --check rules/        # CI: exit 1 and name the files that would change
      kefu fmt --diff rules/shops/tw
      kefu fmt < shop.kefu > shop.formatted.kefu
    """
    if not paths:
        sys.exit(_standard_input(check_only, show_diff))
    from kefu.dsl import render
    from kefu.dsl.files import display_name
    from kefu.dsl.fmt import format_bytes

    unreadable: list[tuple[Path, str]] = []
    files = kefu_files(paths, unreadable)
    changed: list[str] = []
    failed = bool(unreadable)
    for folder, why in unreadable:
        name = display_name(folder)
        click.echo(visible(f"{name}:1:1: error[K007]: cannot read the folder {name}: {why}"), err=True)
    for path in files:
        name = display_name(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            failed = True
            click.echo(visible(f"{name}:1:1: error[K007]: cannot read {name}: {exc.strerror or exc}"), err=True)
            continue
        result = format_bytes(data, name)
        if result.text is None:
            failed = True
            click.echo(render.render_text(result.diagnostics), err=True)
            continue
        if not result.changed:
            continue
        changed.append(name)
        if show_diff:
            click.echo(unified_diff(data.decode("utf-8-sig"), result.text, name), nl=False)
        elif check_only:
            click.echo(f"would reformat {visible(name)}")
        else:
            try:
                write_atomically(path, result.text)
            except OSError as exc:
                failed = True
                click.echo(visible(f"{name}:1:1: error: cannot write {name}: {exc.strerror or exc}"), err=True)
                continue
            click.echo(f"formatted {visible(name)}", err=True)
    if check_only or show_diff:
        count = len(changed)
        click.echo(
            f"{count} file{'s' * (count != 1)} would be reformatted, {len(files) - count} already formatted", err=True
        )
        sys.exit(EXIT_FINDINGS if changed or failed else EXIT_CLEAN)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _standard_input(check_only: bool, show_diff: bool) -> int:
    """Standard input to standard output; with --check or --diff, only say what would change."""
    from kefu.dsl import render
    from kefu.dsl.fmt import format_bytes

    data = sys.stdin.buffer.read()
    result = format_bytes(data, "<stdin>")
    if result.text is None:
        lines = render.source_lines(data.decode("utf-8-sig", "replace"))
        click.echo(render.render_text(result.diagnostics, lambda _: lines), err=True)
        return EXIT_FINDINGS
    if check_only or show_diff:
        if result.changed and show_diff:
            click.echo(unified_diff(data.decode("utf-8-sig"), result.text, "<stdin>"), nl=False)
        elif result.changed:
            click.echo("would reformat <stdin>")
        return EXIT_FINDINGS if result.changed else EXIT_CLEAN
    sys.stdout.buffer.write(result.text.encode("utf-8"))
    return EXIT_CLEAN
