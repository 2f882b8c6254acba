"""The exit statuses every kefu command ends with (ruff's convention, see docs/cli.md)."""

from __future__ import annotations

EXIT_CLEAN = 0  # nothing to report
EXIT_FINDINGS = 1  # findings, failing tests, bad input lines, files `fmt --check` would change
EXIT_USAGE = 2  # a mistake in how kefu was called: an unknown flag, a missing file, an unknown shop
EXIT_INTERNAL = 3  # a bug in kefu: one line saying what to report, never a traceback
