"""Checks on a built shop, one rule per module: `dsl/rules/<category>/<name>.py`.

Syntax and value errors are found while reading (kefu.dsl.build, kefu.dsl.values, kefu.dsl.load);
these rules see a whole shop, presets applied, and look across entries, staff, tests and settings.
A rule module exposes `CODE` (its `Code`, whose category is the module's folder) and `check(shop)`,
yielding diagnostics of that code. The modules are found by walking this package, so adding a rule
is adding a module (with its fixture `tests/dsl/fixtures/K0NN_*`); no list names them.
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

Check = Callable[[Shop], Iterable[Diagnostic]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: Code
    module: str  # kefu.dsl.rules.<category>.<name>
    check: Check

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
    return Rule(code, module.__name__, check)


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


def run_checks(shop: Shop) -> list[Diagnostic]:
    return [diagnostic for rule in RULES for diagnostic in rule.check(shop)]
