"""Levels of findings and what they mean for a run: whether the findings fail it.

`failing(diagnostics, fail_on)` is the whole exit-status rule of `kefu check`: any error fails a
run; warnings fail it only with `fail_on=Severity.warning` (`--fail-on warning`). The command line
maps True to exit 1 and False to exit 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from kefu.engine.diagnostics import Diagnostic, Severity

RANK = {Severity.warning: 1, Severity.error: 2}


def failing(diagnostics: Iterable[Diagnostic], fail_on: Severity = Severity.error) -> bool:
    """True when a finding at `fail_on` or above is among `diagnostics`."""
    return any(RANK[diagnostic.severity] >= RANK[fail_on] for diagnostic in diagnostics)
