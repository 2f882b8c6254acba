"""Checks on a resolved shop: one rule per module, each a `check(shop)` yielding diagnostics.

Syntax and value errors are found while reading (dsl.build, dsl.values); these rules see a whole
shop, presets applied, and look across entries, staff, tests and settings.
"""

from __future__ import annotations

from typing import Callable, Iterable

from engine.diagnostics import Diagnostic
from engine.rules import Shop
from dsl.checks import duplicate_ask, levels, owner, references

CHECKS: tuple[Callable[[Shop], Iterable[Diagnostic]], ...] = (
    duplicate_ask.check,  # K021
    levels.check,  # K028
    owner.check,  # K029, K033
    references.check,  # K030, K034
)


def run_checks(shop: Shop) -> list[Diagnostic]:
    return [diagnostic for check in CHECKS for diagnostic in check(shop)]
