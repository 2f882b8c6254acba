"""The one line kefu prints for an internal error (a bug): what happened, and what to put in a report.

The project names no place to send reports, so the line names none: it asks for the line itself,
kefu's version and the command that was run, which is what a bug report needs.
"""

from __future__ import annotations

import shlex
from importlib.metadata import PackageNotFoundError, version


def kefu_version() -> str:
    try:
        return version("kefu")
    except PackageNotFoundError:
        return "unknown"


def internal_error_line(exc: BaseException, args: list[str]) -> str:
    """`kefu: internal error: ...` for `exc`, raised by the command `kefu ARGS...`."""
    command = shlex.join(["kefu", *args])
    return (
        f"kefu: internal error: {type(exc).__name__}: {exc} (a bug in kefu {kefu_version()}: "
        f"to report it, give this line, the version and the command: {command})"
    )
