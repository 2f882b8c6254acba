"""Checks on a built shop, one rule per module: `dsl/rules/<category>/<name>.py`.

Syntax and value errors are found while reading (kefu.dsl.build, kefu.dsl.values, kefu.dsl.load);
these rules see a whole shop, presets applied, and look across entries, staff, tests and settings.
A rule module exposes `CODE` (its `Code`, whose category is the module's folder) and `check(shop)`,
yielding diagnostics of that code. The modules are found by walking this package, so adding a rule
is adding a module (with its fixture `tests/dsl/fixtures/K0NN_*`); no list names them.

A rule that needs the shop's matcher (its index and calibration: seconds for a shop of 10,000
entries) sets `NEEDS_MATCHER = True` and is `check(shop, matcher)`. Every command loads rules, and
the terminal UI on every save, so those rules run only when asked (`run_checks(shop, with_matcher=True)`:
`kefu check`), after the others, with one matcher built per shop for all of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from kefu.dsl.codes import Code
from kefu.engine.diagnostics import Diagnostic
from kefu.engine.rules import Shop

Check = Callable[..., Iterable[Diagnostic]]  # check(shop), or check(shop, matcher) for a rule needing it


@dataclass(frozen=True, slots=True)
class Rule:
    code: Code
    module: str  # kefu.dsl.rules.<category>.<name>
    check: Check
    needs_matcher: bool = False  # check(shop, matcher): run only by `run_checks(..., with_matcher=True)`

    @property
    def category(self) -> str:
        return self.module.split(".")[-2]

    @property
    def path(self) -> str:
        """The module's file in the source tree, as the docs name it."""
        return "dsl/" + "/".join(self.module.split(".")[2:]) + ".py"


class RuleError(Exception):
    """A module under dsl/rules that is not a well-formed rule (a bug in kefu, found at import)."""


def _rule(module: ModuleType, category: str) -> Rule:
    code, check = getattr(module, "CODE", None), getattr(module, "check", None)
    if not isinstance(code, Code) or not callable(check):
        raise RuleError(f"{module.__name__} needs CODE (a Code) and check(shop)")
    if code.category != category:
        raise RuleError(f"{module.__name__}: {code.code} has category '{code.category}', its folder is '{category}'")
    needs_matcher = getattr(module, "NEEDS_MATCHER", False)
    if not isinstance(needs_matcher, bool):
        raise RuleError(f"{module.__name__}: NEEDS_MATCHER is True or False")
    return Rule(code, module.__name__, check, needs_matcher)


def _package_modules(package: ModuleType) -> list[tuple[str, bool]]:
    return sorted((info.name, info.ispkg) for info in pkgutil.iter_modules(package.__path__))


def discover() -> tuple[Rule, ...]:
    """Every rule module under this package, in the order of their paths."""
    package = importlib.import_module(__name__)
    rules: list[Rule] = []
    for category, is_package in _package_modules(package):
        if not is_package:
            raise RuleError(f"{__name__}.{category}: a rule lives in a category folder, dsl/rules/<category>/<name>.py")
        folder = importlib.import_module(f"{__name__}.{category}")
        for name, nested in _package_modules(folder):
            if nested:
                raise RuleError(f"{folder.__name__}.{name}: rules are one folder deep")
            rules.append(_rule(importlib.import_module(f"{folder.__name__}.{name}"), category))
    return tuple(rules)


RULES: tuple[Rule, ...] = discover()
MATCHER_CODES = frozenset(rule.code.code for rule in RULES if rule.needs_matcher)  # found only by `kefu check`


def run_checks(shop: Shop, with_matcher: bool = False) -> list[Diagnostic]:
    """The findings of every rule on `shop`; with `with_matcher`, then those of the rules that need
    its matcher, built once for all of them."""
    found = [diagnostic for rule in RULES if not rule.needs_matcher for diagnostic in rule.check(shop)]
    costly = [rule for rule in RULES if rule.needs_matcher]
    if with_matcher and costly:
        from kefu.engine.matcher import Matcher  # numpy and scipy: imported only when checked this deep

        matcher = Matcher(shop.entries, shop.synonyms)
        found += [diagnostic for rule in costly for diagnostic in rule.check(shop, matcher)]
    return found
