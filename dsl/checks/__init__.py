"""Checks on a resolved shop: one rule per module, each a `check(shop)` yielding diagnostics.

Syntax and value errors are found while reading (dsl.build, dsl.values); these rules see a whole
shop, presets applied, and look across entries, staff, tests and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kefu.dsl.checks import duplicate_ask, levels, owner, references
from kefu.engine.diagnostics import Diagnostic
from kefu.engine.rules import Shop

CHECKS: tuple[Callable[[Shop], Iterable[Diagnostic]], ...] = (
    duplicate_ask.check,  # K021
    levels.check,  # K028
    owner.check,  # K029, K033
    references.check,  # K030, K034
)


def run_checks(shop: Shop) -> list[Diagnostic]:
    return [diagnostic for check in CHECKS for diagnostic in check(shop)]
