"""The `kefu` command line: parse flags, call the library, render. No logic lives here.

Exit status: 0 clean, 1 findings (or files `fmt --check` would change), 2 a usage error,
3 an internal error (one line saying what a report needs; never a traceback).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from kefu.dsl.cache import Cache, run_key, still_valid
from kefu.dsl.files import UsageError, discover, display_name
from kefu.tui.edge import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_USAGE,
)
from kefu.tui.edge import (
    cache as _cache,
)
from kefu.tui.edge import (
    one_shop as _one_shop,
)
from kefu.tui.report import internal_error_line

# Heavier modules (pydantic models, Lark) are imported inside the commands that need them, so a
# `kefu check` whose files did not change answers from the cache in a fraction of a second.


def _summary(diagnostics: list, files: int) -> str:
    errors = sum(d.severity.value == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return f"checked {files} file{'s' * (files != 1)}: no problems"
    parts = [f"{errors} error{'s' * (errors != 1)}"] + (
        [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    )
    return f"checked {files} file{'s' * (files != 1)}: found {' and '.join(parts)}"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kefu", message="kefu %(version)s")
def cli() -> None:
    """kefu: a shop's chat assistant, written as code.

    \b
    Examples:
      kefu check rules/             check every shop and preset under rules/
      kefu fmt --check rules/       list files that are not in canonical form
      kefu explain K021             what a diagnostic code means
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object: {"diagnostics": [...]}.')
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Output format; github prints GitHub Actions annotations.",
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Print at most N findings (0: all). The exit status still counts all of them.",
)
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of using the content cache.")
def check(paths: tuple[Path, ...], as_json: bool, fmt: str, max_errors: int, no_cache: bool) -> None:
    """Check rule files: syntax, settings, presets, references, tests' targets.

    PATHS are .kefu files or folders (searched recursively). A file inside a shop's folder is
    checked together with the rest of its shop.

    \b
    Examples:
      kefu check rules/
      kefu check rules/shops/tw --json
      kefu check rules/ --format github      # in CI: annotations on the pull request
    """
    cache = _cache(no_cache)
    files = discover(list(paths))
    fmt = "json" if as_json else fmt
    key = run_key(files, f"check\0{fmt}\0{max_errors}")
    cached = cache.get("run", key)
    if cached is not None and still_valid(cached["extra"]):
        sys.stdout.write(cached["stdout"])
        sys.stderr.write(cached["stderr"])
        sys.exit(cached["code"])
    stdout, stderr, code, extra = _check(paths, files, fmt, max_errors, cache)
    cache.put("run", key, {"stdout": stdout, "stderr": stderr, "code": code, "extra": extra})
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    sys.exit(code)


def _check(
    paths: tuple[Path, ...], files: list[Path], fmt: str, max_errors: int, cache: Cache
) -> tuple[str, str, int, dict[str, str]]:
    from kefu.dsl import render
    from kefu.dsl.load import load

    result = load(list(paths), cache)
    diagnostics = result.diagnostics
    shown = diagnostics[:max_errors] if max_errors else diagnostics
    out: list[str] = []
    err: list[str] = []
    if fmt == "json":
        out.append(render.render_json(shown) + "\n")
    elif fmt == "github":
        if shown:
            out.append(render.render_github(shown) + "\n")
    else:
        if shown:
            out.append(render.render_text(shown) + "\n\n")
        if len(shown) < len(diagnostics):
            err.append(f"... and {len(diagnostics) - len(shown)} more (--max-errors 0 shows all)\n")
        err.append(_summary(diagnostics, len(result.files)) + "\n")
    given = set(files)
    extra = {str(path): digest for path, digest in result.digests.items() if path not in given}
    return "".join(out), "".join(err), EXIT_FINDINGS if result.errors else EXIT_CLEAN, extra


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
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
    from kefu.dsl import render
    from kefu.dsl.fmt import format_bytes

    if not paths:
        data = sys.stdin.buffer.read()
        result = format_bytes(data, "<stdin>")
        if result.text is None:
            click.echo(
                render.render_text(result.diagnostics, lambda _: data.decode("utf-8-sig", "replace").splitlines()),
                err=True,
            )
            sys.exit(EXIT_FINDINGS)
        if check_only or show_diff:
            if result.changed and show_diff:
                before = data.decode("utf-8-sig").splitlines(keepends=True)
                after = result.text.lstrip("\ufeff").splitlines(keepends=True)
                click.echo("".join(difflib.unified_diff(before, after, "a/<stdin>", "b/<stdin>")), nl=False)
            elif result.changed:
                click.echo("would reformat <stdin>")
            sys.exit(EXIT_FINDINGS if result.changed else EXIT_CLEAN)
        sys.stdout.buffer.write(result.text.encode("utf-8"))
        sys.exit(EXIT_CLEAN)
    files = _kefu_files(paths)
    changed: list[str] = []
    failed = False
    for path in files:
        name = display_name(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            failed = True
            click.echo(f"{name}:1:1: error[K007]: cannot read {name}: {exc.strerror or exc}", err=True)
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
            before = data.decode("utf-8-sig").splitlines(keepends=True)
            after = result.text.lstrip("\ufeff").splitlines(keepends=True)
            click.echo("".join(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}")), nl=False)
        elif check_only:
            click.echo(f"would reformat {name}")
        else:
            _write_atomically(path, result.text)
            click.echo(f"formatted {name}", err=True)
    if check_only or show_diff:
        count = len(changed)
        click.echo(
            f"{count} file{'s' * (count != 1)} would be reformatted, {len(files) - count} already formatted", err=True
        )
        sys.exit(EXIT_FINDINGS if changed or failed else EXIT_CLEAN)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _kefu_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise click.UsageError(f"{path}: no such file or directory")
        files.extend(sorted(p for p in path.rglob("*.kefu") if p.is_file()) if path.is_dir() else [path])
    return files


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the file, then rename: a crash never leaves a half-written rule file.
    Through a symbolic link, the file it points to is rewritten and the link stays."""
    path = path.resolve()
    temporary = path.with_name(f".{path.name}.kefu-fmt.tmp")
    existed = path.exists()
    try:
        with open(temporary, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if existed:
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


@cli.command()
@click.argument("rules", type=click.Path(path_type=Path))
@click.argument("message")
@click.option("--shop", "shop_id", default=None, help="Which shop, when RULES holds several.")
@click.option("--explain", is_flag=True, help="Show the normalised text, synonyms, scores, margin and levels.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def ask(rules: Path, message: str, shop_id: str | None, as_json: bool, explain: bool) -> None:
    """Which entry a customer message is about, and whether it would be auto-sent (D-8).

    \b
    Examples:
      kefu ask rules/shops/tw "有免運嗎?"
      kefu ask rules/ "where is my parcel" --shop sg --explain
      kefu ask rules/shops/tw "運費怎麼算" --json
    """
    from kefu.engine.matcher import Matcher

    shop = _one_shop(rules, shop_id, "ask")
    matcher = Matcher(shop.entries, shop.synonyms)
    match = matcher.match(message, shop.policy.matching)
    where = {entry.id: entry.span for entry in shop.entries}
    candidates = [
        {
            **c.model_dump(),
            "file": where[c.entry].file if where.get(c.entry) else None,
            "line": where[c.entry].line if where.get(c.entry) else None,
        }
        for c in match.candidates
    ]
    levels = shop.policy.matching
    if as_json:
        best = match.best
        click.echo(
            json.dumps(
                {
                    "shop": shop.id,
                    "message": message,
                    "normalized": match.message.text,
                    "synonyms": [list(pair) for pair in match.message.synonyms],
                    "decision": match.decision.value,
                    "entry": best.entry if best else None,
                    "score": best.score if best else 0.0,
                    "margin": match.margin,
                    "levels": {"confidence": levels.confidence, "suggest": levels.suggest, "margin": levels.margin},
                    "candidates": candidates,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    best = match.best
    verdict = {"auto_send": "auto-send", "suggest": "suggest only", "none": "no answer"}[match.decision.value]
    click.echo(
        f"{verdict}: {best.entry if best and match.decision.value != 'none' else '-'}"
        + (f"  (score {best.score:g}, margin {match.margin:g})" if best else "")
    )
    if explain:
        click.echo(f"  normalised: {match.message.text!r}")
        if match.message.synonyms:
            click.echo("  synonyms:   " + ", ".join(f"{a} -> {b}" for a, b in match.message.synonyms))
        click.echo(
            f"  levels:     auto-send at {levels.confidence} with margin {levels.margin}, suggest at {levels.suggest}"
        )
        entry = shop.entry(best.entry) if best else None
        if entry is not None and not entry.auto:
            click.echo(f"  note:       {entry.id} is 'auto never': suggested at most")
    if explain or match.decision.value != "none":
        for rank, candidate in enumerate(candidates, 1):
            place = f"{candidate['file']}:{candidate['line']}" if candidate["file"] else ""
            click.echo(
                f"  {rank}. {candidate['entry']:<28} {candidate['score']:5.1f}  raw {candidate['raw']:.3f}  "
                f"via {candidate['ask']!r}  {place}"
            )


@cli.command(name="eval")
@click.argument("rules", type=click.Path(path_type=Path))
@click.argument("queries", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--shop", "shop_id", default=None, help="Which shop, when RULES holds several.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
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
    from kefu.engine.evaluation import Query, recommend, run, sweep
    from kefu.engine.matcher import Matcher

    shop = _one_shop(rules, shop_id, "eval")
    parsed, problems = _read_queries(queries, Query)
    for line, problem in problems:
        click.echo(f"{queries}:{line}: {problem}", err=True)
    if not parsed:
        click.echo(f"kefu eval: no usable query in {queries}", err=True)
        sys.exit(EXIT_FINDINGS)
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
        document = report.model_dump()
        if show_sweep:
            document["sweep"] = [row.model_dump() for row in rows]
            document["recommended_confidence"] = best.confidence if best else None
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"shop {shop.id}: {report.queries} queries ({report.in_scope} in scope, {report.out_of_scope} out of scope)"
        )
        click.echo(
            f"  levels: auto-send at {levels.confidence} with margin {levels.margin}, suggest at {levels.suggest}"
        )
        for key, label in (
            ("top1", "top-1 (in scope)"),
            ("auto_precision", "auto-send precision"),
            ("auto_coverage", "auto-send coverage"),
            ("oos_auto_rate", "out-of-scope auto-sent"),
            ("suggest_recall_at_3", "expected entry in top 3"),
        ):
            click.echo(f"  {label:<26} {getattr(report, key) * 100:6.1f}%")
        if show_sweep:
            click.echo("  confidence  precision  coverage  auto-sends")
            for row in rows:
                click.echo(
                    f"  {row.confidence:>10}  {row.precision * 100:8.1f}%  {row.coverage * 100:7.1f}%"
                    f"  {row.auto_sends:>10}"
                )
            click.echo(
                f"  recommended: confidence {best.confidence} (precision {best.precision * 100:.1f}%, coverage "
                f"{best.coverage * 100:.1f}%)"
                if best
                else f"  no level reaches precision {target:.0%}"
            )
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


def _read_queries(path: Path, model):
    """Queries from JSON Lines; each bad line is (line number, what is wrong)."""
    if not path.is_file():
        raise click.UsageError(f"{path}: no such file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [(1, f"not UTF-8 (byte offset {exc.start})")]
    from kefu.dsl.jsonl import objects

    parsed: list = []
    problems: list[tuple[int, str]] = []
    for number, row in objects(text, problems):
        if (
            not isinstance(row.get("text"), str)
            or "expect" not in row
            or not (row["expect"] is None or isinstance(row["expect"], str))
        ):
            problems.append((number, 'expected {"text": "...", "expect": "entry.id" or null}'))
            continue
        parsed.append(model(text=row["text"], expect=row["expect"], line=number))
    return parsed, problems


@cli.command(name="import")
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
@click.option("--shop", "shop_id", default=None, help="The new shop's id (default: the output file's folder name).")
def import_(source: Path, output: Path, kind: str | None, shop_id: str | None) -> None:
    """Import a knowledge base from JSON Lines or CSV into a formatted shop file.

    JSON Lines: {"id": ..., "asks": [...], "reply": ...} per line (reply optional). CSV: columns
    id, ask and optionally reply, one row per ask. Ids are kept exactly. Bad rows are reported
    with their line number (exit 1); the good ones are still written.

    \b
    Examples:
      kefu import faq.jsonl -o shops/tw/faq.kefu
      kefu import export.csv -o shops/sg/shop.kefu --shop sg
    """
    from kefu.dsl.fmt import format_bytes
    from kefu.dsl.importer import read_rows, render

    if not source.is_file():
        raise click.UsageError(f"{source}: no such file")
    kind = kind or (
        "csv"
        if source.suffix.lower() == ".csv"
        else "jsonl"
        if source.suffix.lower() in (".jsonl", ".json", ".ndjson")
        else None
    )
    if kind is None:
        raise click.UsageError(f"cannot tell the format of {source.name}; give --format jsonl or --format csv")
    try:
        data = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        click.echo(f"{source}: error: not UTF-8 (byte offset {exc.start})", err=True)
        sys.exit(EXIT_FINDINGS)
    entries, problems = read_rows(data, kind)
    result = render(entries, shop_id or output.resolve().parent.name, source.name, problems)
    formatted = format_bytes(result.text.encode("utf-8"), str(output))
    if formatted.text is None:  # the importer wrote something the language rejects: a bug
        raise RuntimeError("kefu import produced a file that does not parse: " + formatted.diagnostics[0].message)
    output.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(output, formatted.text)
    for line, problem in result.problems:
        click.echo(f"{source}:{line}: {problem}", err=True)
    click.echo(
        f"wrote {display_name(output)}: {result.entries} entries, {result.asks} asks"
        + (f"; {len(result.problems)} problem{'s' * (len(result.problems) != 1)} above" if result.problems else ""),
        err=True,
    )
    sys.exit(EXIT_FINDINGS if result.problems else EXIT_CLEAN)


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the page of a diagnostic code: what it means, what to avoid, what to prefer.

    \b
    Example:
      kefu explain K021
    """
    from kefu.dsl import codes

    page = codes.explain(code)
    if page is None:
        raise click.UsageError(f"unknown code '{code}'; codes are K001..{max(codes.CODES)} (see docs/diagnostics.md)")
    click.echo(page, nl=False)


@cli.command()
@click.argument("what", type=click.Choice(["rules", "events", "actions"]))
def schema(what: str) -> None:
    """Print a JSON Schema: `rules` is the rules model that kefu builds from .kefu files; `events`
    and `actions` are the lines `decide` reads and writes (format version 1).

    \b
    Example:
      kefu schema rules > rules.schema.json
      kefu schema events > events.schema.json
    """
    if what == "rules":
        from kefu.engine.rules import RuleSet

        document = RuleSet.model_json_schema()
    else:
        from pydantic import TypeAdapter

        from kefu.engine.events import Action, Event

        document = TypeAdapter(Event if what == "events" else Action).json_schema()
        document["title"] = "kefu event" if what == "events" else "kefu action"
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _add_engine_commands() -> None:
    from kefu.tui.cmd_audit import audit
    from kefu.tui.cmd_metrics import metrics
    from kefu.tui.cmd_simulate import simulate
    from kefu.tui.cmd_test import test

    cli.add_command(simulate)
    cli.add_command(test)
    cli.add_command(metrics)
    cli.add_command(audit)


_add_engine_commands()


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: usage errors on one line (exit 2), internal errors on one line (exit 3)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="kefu", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        sys.exit(EXIT_USAGE)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "kefu"
        message = exc.format_message()
        click.echo(f"{where}: error: {message[:1].lower() + message[1:]} (see '{where} --help')", err=True)
        sys.exit(EXIT_USAGE)
    except UsageError as exc:
        click.echo(f"kefu: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("kefu: interrupted", err=True)
        sys.exit(130)
    except click.exceptions.Abort:
        click.echo("kefu: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"kefu: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_CLEAN)
    except Exception as exc:
        click.echo(internal_error_line(exc, args), err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_CLEAN)


if __name__ == "__main__":
    main()
