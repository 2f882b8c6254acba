"""Typed failures of the library functions the command line and the terminal UI share.

A function that cannot do what it was asked raises `KefuError` with a one-line message (lowercase,
no full stop) and the kind of failure; it never prints and never exits. The face that called it
decides what to show: the command line prints one line and picks the exit status from the kind.
"""

from __future__ import annotations

from enum import Enum


class Failure(str, Enum):
    """What kind of failure: it decides the exit status and how the message is shown."""

    usage = "usage"  # a flag or argument is wrong or missing (exit 2, the line points to --help)
    not_found = "not_found"  # a named file, folder or shop does not exist (exit 2)
    unusable = "unusable"  # a named file exists but kefu cannot use it: not a kefu database (exit 2)
    findings = "findings"  # the input has problems the user must fix first: rules with errors (exit 1)


class KefuError(Exception):
    """A failure to show the user: `message` is one line; `details` (possibly several lines, such
    as rendered diagnostics) is shown before it. The command line fills in `command` (`kefu ask`)."""

    def __init__(self, message: str, kind: Failure, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.details = details
        self.command: str | None = None
