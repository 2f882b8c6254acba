"""`kefu import SOURCE -o OUT.kefu`: a knowledge base from JSON Lines or CSV into a formatted shop file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kefu.dsl.visible import visible
from kefu.tui.atomic import write_atomically
from kefu.tui.cli.options import shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS

KINDS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl"}


def source_kind(source: Path, kind: str | None) -> str:
    """The input format: as given, or from the file's extension."""
    found = kind or KINDS.get(source.suffix.lower())
    if found is None:
        raise KefuError(f"cannot tell the format of {source.name}; give --format jsonl or --format csv", Failure.usage)
    return found


@click.command(name="import")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="The .kefu file to write."
)
@click.option(
    "--format",
    "kind",
    type=click.Choice(["jsonl", "csv"]),
    default=None,
    help="Input format; by default from the file's extension (.jsonl/.json or .csv).",
)
@shop_option("The new shop's id (default: the output file's folder name).")
@click.option(
    "--reply",
    "default_reply",
    metavar="TEXT",
    default=None,
    help="The reply of every entry whose rows give none (by default such an entry is left out and reported).",
)
@click.option(
    "--force", is_flag=True, help="Replace OUTPUT when it exists already (by default it is never overwritten)."
)
def import_(
    source: Path, output: Path, kind: str | None, shop_id: str | None, default_reply: str | None, force: bool
) -> None:
    """Import a knowledge base from JSON Lines or CSV into a formatted shop file.

    JSON Lines: {"id": ..., "asks": [...], "reply": ...} per line. CSV: columns id, ask and
    reply, one row per ask. Ids are kept exactly. An entry without a reply (or with an empty one)
    takes the --reply TEXT, or is left out and reported. Bad rows are reported with their line
    number (exit 1); the good ones are still written. An existing OUTPUT is replaced only with
    --force, and nothing is written when no row is usable.

    \b
    Examples:
      kefu import faq.jsonl -o shops/tw/faq.kefu
      kefu import export.csv -o shops/sg/shop.kefu --shop sg
      kefu import intents.jsonl -o eval/shop.kefu --reply "稍後由客服為您解答"
    """
    from kefu.dsl.files import display_name
    from kefu.dsl.fmt import format_bytes
    from kefu.dsl.importer import read_rows, render
    from kefu.dsl.source import CONTROL_RE
    from kefu.dsl.values import has_text

    if default_reply is not None and not has_text(default_reply):
        raise KefuError("--reply: the reply is empty; give the text to send", Failure.usage)
    if default_reply is not None and CONTROL_RE.search(default_reply):
        raise KefuError("--reply: the reply holds a control character; a rule file holds text only", Failure.usage)
    if not source.is_file():
        raise KefuError(f"{source}: no such file", Failure.not_found)
    if output.exists() and not force:
        raise KefuError(f"{output} exists already; give --force to replace it", Failure.usage)
    kind = source_kind(source, kind)
    try:
        data = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        click.echo(visible(f"{source}: error: not UTF-8 (byte offset {exc.start})"), err=True)
        sys.exit(EXIT_FINDINGS)
    entries, problems = read_rows(data, kind)
    result = render(entries, shop_id or output.resolve().parent.name, source.name, problems, default_reply)
    if result.entries == 0:
        for line, problem in result.problems:
            click.echo(visible(f"{source}:{line}: {problem}"), err=True)
        raise KefuError(f"no usable entry in {source}; nothing written to {output}", Failure.findings)
    formatted = format_bytes(result.text.encode("utf-8"), str(output))
    if formatted.text is None:  # the importer wrote something the language rejects: a bug
        raise RuntimeError("kefu import produced a file that does not parse: " + formatted.diagnostics[0].message)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output, formatted.text)
    for line, problem in result.problems:
        click.echo(visible(f"{source}:{line}: {problem}"), err=True)
    count = len(result.problems)
    click.echo(
        f"wrote {visible(display_name(output))}: {result.entries} entries, {result.asks} asks"
        + (f"; {count} problem{'s' * (count != 1)} above" if count else ""),
        err=True,
    )
    sys.exit(EXIT_FINDINGS if result.problems else EXIT_CLEAN)
