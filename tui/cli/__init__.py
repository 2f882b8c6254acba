"""The `kefu` command line: the command group, its commands (one module each, named for the
command) and `main`, the only place that turns failures into printed lines and exit statuses.

Commands parse flags, call library functions (tui/shops.py, tui/history.py, kefu.dsl, kefu.engine)
and print. Library functions raise `KefuError` with a kind; `main` prints it on one line and exits
2 for a usage mistake, a missing or unusable file, or an unknown shop, 1 for findings. Anything
else is a bug: one or two lines saying what to report (exit 3), never a traceback.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any, NoReturn

import click

from kefu.dsl.files import UsageError
from kefu.dsl.visible import visible
from kefu.tui.errors import Failure, KefuError
from kefu.tui.exits import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE

# Command modules keep their heavier imports (pydantic models, Lark, numpy) inside the command, so
# `kefu --help` and a usage error answer at once.

EXIT_FOR = {
    Failure.usage: EXIT_USAGE,
    Failure.not_found: EXIT_USAGE,
    Failure.unusable: EXIT_USAGE,
    Failure.findings: EXIT_FINDINGS,
}


class KefuGroup(click.Group):
    """Names the command in every `KefuError` raised below it, so `main` can say `kefu ask: ...`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KefuError as error:
            if error.command is None:
                error.command = " ".join(part for part in (ctx.command_path, ctx.invoked_subcommand) if part)
            raise


@click.group(cls=KefuGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="kefu", message="kefu %(version)s")
def cli() -> None:
    """kefu: a shop's chat assistant, written as code.

    \b
    Examples:
      kefu check rules/             check every shop and preset under rules/
      kefu fmt --check rules/       list files that are not in canonical form
      kefu explain K021             what a diagnostic code means
    """


def _add_commands() -> None:
    from kefu.tui.cli.ask import ask
    from kefu.tui.cli.audit import audit
    from kefu.tui.cli.check import check
    from kefu.tui.cli.diff import diff
    from kefu.tui.cli.eval import eval_
    from kefu.tui.cli.explain import explain
    from kefu.tui.cli.fmt import fmt
    from kefu.tui.cli.impact import impact
    from kefu.tui.cli.import_ import import_
    from kefu.tui.cli.lint import lint
    from kefu.tui.cli.lsp import lsp
    from kefu.tui.cli.metrics import metrics
    from kefu.tui.cli.schema import schema
    from kefu.tui.cli.simulate import simulate
    from kefu.tui.cli.test import test
    from kefu.tui.cli.tui import tui
    from kefu.tui.cli.when import when

    commands = (
        tui,
        check,
        lint,
        fmt,
        diff,
        impact,
        ask,
        eval_,
        import_,
        explain,
        schema,
        simulate,
        test,
        metrics,
        audit,
        when,
        lsp,
    )
    for command in commands:
        cli.add_command(command)


_add_commands()


def version() -> str:
    """The installed kefu's version (what a bug report needs first)."""
    from importlib import metadata

    try:
        return metadata.version("kefu")
    except metadata.PackageNotFoundError:
        return "unknown"


def no_full_stop(message: str) -> str:
    """rustc style: a message ends without a full stop (an ellipsis is kept)."""
    return message[:-1] if message.endswith(".") and not message.endswith("..") else message


def failure_lines(error: KefuError) -> list[str]:
    """How a failure is printed: its details, then one line naming the command. A file name, shop id or
    value quoted in them shows its control characters as escapes (`kefu.dsl.visible`), so a message
    stays one line and cannot pass for another."""
    where = error.command or "kefu"
    message = no_full_stop(error.message)
    if error.kind is Failure.usage:
        line = f"{where}: error: {message} (see '{where} --help')"
    elif error.kind is Failure.findings:
        line = f"{where}: {message}"
    else:
        line = f"{where}: error: {message}"
    details = "\n".join(visible(part) for part in error.details.split("\n"))  # its lines, each safe to print
    return ([details] if error.details else []) + [visible(line)]


def os_error_line(error: OSError, args: list[str]) -> str:
    """One line for a file the system would not let kefu read or write: which file, and why."""
    command = f"kefu {args[0]}" if args and args[0] in cli.commands else "kefu"
    why = no_full_stop(error.strerror or str(error))
    return f"{command}: error: {error.filename}: {why}" if error.filename else f"{command}: error: {why}"


def internal_error_lines(error: BaseException, args: list[str]) -> list[str]:
    """Two lines for a bug: what failed, and what to put in a report. kefu names no place to send
    it: it has none to name."""
    detail = str(error).strip().splitlines()
    return [
        visible(f"kefu: internal error: {type(error).__name__}" + (f": {no_full_stop(detail[0])}" if detail else "")),
        visible(
            f"kefu: this is a bug in kefu {version()}; to report it, give that version, the command line as run "
            f"({shlex.join(['kefu', *args])}) and the line above"
        ),
    ]


def _fail(lines: list[str], status: int) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(status)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: usage errors on one line (exit 2), internal errors on two (exit 3)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        status = cli.main(args=args, prog_name="kefu", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        _fail([exc.ctx.get_help() if exc.ctx else str(exc)], EXIT_USAGE)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "kefu"
        message = no_full_stop(exc.format_message())
        _fail([visible(f"{where}: error: {message[:1].lower() + message[1:]} (see '{where} --help')")], EXIT_USAGE)
    except KefuError as error:
        _fail(failure_lines(error), EXIT_FOR[error.kind])
    except UsageError as exc:
        _fail([visible(f"kefu: error: {no_full_stop(str(exc))}")], EXIT_USAGE)
    except KeyboardInterrupt:
        _fail(["kefu: interrupted"], 130)
    except click.exceptions.Abort:
        _fail(["kefu: aborted"], 130)
    except click.ClickException as exc:
        _fail([visible(f"kefu: error: {no_full_stop(exc.format_message())}")], exc.exit_code)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_CLEAN)
    except OSError as exc:  # the file system refused (permissions, a full disk): not a bug in kefu
        _fail([visible(os_error_line(exc, args))], EXIT_USAGE)
    except Exception as exc:
        _fail(internal_error_lines(exc, args), EXIT_INTERNAL)
    sys.exit(status if isinstance(status, int) else EXIT_CLEAN)
