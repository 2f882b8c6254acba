"""Checks on a built shop, one rule per module: `dsl/rules/<category>/<name>.py`.

Syntax and value errors are found while reading (kefu.dsl.build, kefu.dsl.values, kefu.dsl.load);
these rules see a whole shop, presets applied, and look across entries, staff, tests and settings.
A rule module exposes `CODE` (its `Code`, whose category is the module's folder) and `check(shop)`,
yielding diagnostics of that code. The modules are found by walking this package, so adding a rule
is adding a module (with its fixture `tests/dsl/fixtures/K0NN_*`); no list names them.

A rule that needs the shop's matcher (its index and calibration: seconds for a shop of 10,000
entries) sets `NEEDS_MATCHER = True` and is `check(shop, context)`: a `Context` builds the matcher,
the compiled shop and the results of the shop's tests once, when a rule first asks, for all the rules
of that shop. Every command loads rules, and the terminal UI on every save, so those rules run only
when asked (`run_checks(shop, with_matcher=True)`: `kefu check`), after the others.

A rule that sets `LINT = True` finds what parses and runs but hurts customers (collisions between
entries, replies, untested entries, settings that never take effect): only `kefu lint` runs it
(`run_checks(shop, lint=True)`, which runs every other rule too).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING

from kefu.dsl.codes import Code
from kefu.engine.diagnostics import Diagnostic, Span
from kefu.engine.rules import Shop

if TYPE_CHECKING:  # numpy and scipy: imported only when a rule needs the matcher
    from kefu.engine.decide import CompiledShop
    from kefu.engine.match import Match
    from kefu.engine.matcher import Matcher
    from kefu.engine.verify import Result

NEIGHBOURS = 5  # texts of other entries, the index's best for an ask, compared with it letter by letter
Check = Callable[..., Iterable[Diagnostic]]  # check(shop), or check(shop, context) for a rule needing it


class Context:
    """What the costly rules of one shop share, each part built when a rule first asks for it."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    @cached_property
    def matcher(self) -> Matcher:
        from kefu.engine.matcher import Matcher

        return Matcher(self.shop.entries, self.shop.synonyms)

    @cached_property
    def compiled(self) -> CompiledShop:
        from kefu.engine.decide import CompiledShop

        return CompiledShop(self.shop, self.matcher)

    @cached_property
    def results(self) -> list[Result]:
        """Every test case and scenario of the shop, run as `kefu test` runs them; a scenario that
        cannot be played (its clock out of range, which K042 reports) gives no result."""
        from kefu.engine.verify import run_shop

        results = run_shop(self.shop.model_copy(update={"scenarios": ()}), self.compiled)
        for scenario in self.shop.scenarios:
            alone = self.shop.model_copy(update={"tests": (), "scenarios": (scenario,)})
            try:
                results += run_shop(alone, self.compiled)
            except (ValueError, OverflowError):  # pydantic's ValidationError is a ValueError
                continue
        return results

    @cached_property
    def ask_matches(self) -> list[list[Match | None]]:
        """Each entry's asks matched as a customer writing exactly that would be, at the shop's levels:
        `ask_matches[i][j]` is ask j of entry i, or None where its own entry is proven to win by the
        margin or more (see `kefu.engine.overlap`: most asks, found without a full match)."""
        return self._asks[0]

    @cached_property
    def neighbours(self) -> list[list[Neighbour | None]]:
        """For each entry's asks, the most alike ask or title of another entry, or None when no other
        entry's text shares a feature with it. Alike is the edit-distance similarity (rapidfuzz's
        ratio, 0-1) of the two texts as the matcher normalises them, among the few texts of other
        entries that share the most rarer features with the ask (`kefu.engine.overlap`; by the full
        score for an ask made only of common features)."""
        return self._asks[1]

    @cached_property
    def _asks(self) -> tuple[list[list[Match | None]], list[list[Neighbour | None]]]:
        """Every ask against the rest of the index: its match where a bound does not settle it, and its
        nearest text of another entry."""
        import numpy as np

        from kefu.engine.overlap import overlaps

        levels = self.shop.policy.matching
        scorer, normalize = self.matcher.scorer, self.matcher.normalize
        rows = [scorer.titles[n] + 1 + j for n, entry in enumerate(self.shop.entries) for j in range(len(entry.asks))]
        found = iter(overlaps(scorer, rows, levels.margin, NEIGHBOURS))
        matches: list[list[Match | None]] = []
        near: list[list[Neighbour | None]] = []
        asks = iter(rows)
        for number, entry in enumerate(self.shop.entries):
            matched: list[Match | None] = []
            row: list[Neighbour | None] = []
            for ask in entry.asks:
                overlap, text = next(found), scorer.normal[next(asks)]  # the ask as the index read it
                settled = overlap.clear and scorer.exact.get(text) == number
                if settled and overlap.nearest is not None:
                    matched.append(None)
                    row.append(self._nearest(text, list(overlap.nearest)))
                    continue
                message = normalize(ask.text)
                scores = scorer.score(message)
                matched.append(None if settled else self.matcher.judge(message, scores, levels, 3))
                if overlap.nearest is not None:
                    candidates = list(overlap.nearest)
                else:
                    others = np.where((scorer.owners != number) & scorer.asked, scores.per_ask, 0.0)
                    candidates = [int(i) for i in np.argsort(-others, kind="stable")[:NEIGHBOURS] if others[i] > 0]
                row.append(self._nearest(text, candidates))
            matches.append(matched)
            near.append(row)
        return matches, near

    def _nearest(self, text: str, candidates: list[int]) -> Neighbour | None:
        """The candidate text (a row of the index) most alike `text`, by the edit-distance ratio."""
        from rapidfuzz import fuzz

        scorer = self.matcher.scorer
        scored = [(fuzz.ratio(text, scorer.normal[i]) / 100, -i) for i in candidates]
        if not scored:
            return None
        similarity, best = max(scored)
        return Neighbour(int(scorer.owners[-best]), scorer.texts[-best], similarity)

    @cached_property
    def reaching(self) -> list[bool]:
        """Per entry: whether one of its asks, written word for word, brings it up (answer or suggestion)."""
        from kefu.engine.match import Decision

        return [
            any(
                m is None or (m.best is not None and m.best.entry == entry.id and m.decision != Decision.none)
                for m in matches
            )
            for entry, matches in zip(self.shop.entries, self.ask_matches)
        ]

    @cached_property
    def numbers(self) -> dict[str, int]:
        """Each entry's number in the shop, by id."""
        return {entry.id: number for number, entry in enumerate(self.shop.entries)}

    def span_of(self, entry: int, text: str) -> Span | None:
        """Where `text`, an ask or the title of the shop's entry number `entry`, is written."""
        found = self.shop.entries[entry]
        for ask in found.asks:
            if ask.text == text:
                return ask.span
        return found.span

    def related(self, entry_id: str, text: str) -> tuple[Span, ...]:
        """Where an ask (or the title) `text` of the entry `entry_id` is written, for a finding's
        related spans: none when the entry is not the shop's."""
        number = self.numbers.get(entry_id)
        span = None if number is None else self.span_of(number, text)
        return (span,) if span is not None else ()


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The ask (or title) of another entry closest to an ask: see `Context.neighbours`."""

    entry: int  # the other entry's number in the shop
    text: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Rule:
    code: Code
    module: str  # kefu.dsl.rules.<category>.<name>
    check: Check
    needs_matcher: bool = False  # check(shop, context): run only by `run_checks(..., with_matcher=True)`
    lint: bool = False  # run only by `run_checks(..., lint=True)`: `kefu lint`

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
    lint = getattr(module, "LINT", False)
    if not isinstance(needs_matcher, bool) or not isinstance(lint, bool):
        raise RuleError(f"{module.__name__}: NEEDS_MATCHER and LINT are True or False")
    return Rule(code, module.__name__, check, needs_matcher, lint)


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
MATCHER_CODES = frozenset(rule.code.code for rule in RULES if rule.needs_matcher and not rule.lint)  # kefu check
LINT_CODES = frozenset(rule.code.code for rule in RULES if rule.lint)  # found only by `kefu lint`


def run_checks(shop: Shop, with_matcher: bool = False, lint: bool = False) -> list[Diagnostic]:
    """The findings of every rule on `shop`; with `with_matcher`, then those of the rules that need
    its matcher (built once for all of them); with `lint`, those and the lint rules' too."""
    chosen = [rule for rule in RULES if lint or not rule.lint]
    found = [diagnostic for rule in chosen if not rule.needs_matcher for diagnostic in rule.check(shop)]
    costly = [rule for rule in chosen if rule.needs_matcher]
    if (with_matcher or lint) and costly:
        context = Context(shop)
        found += [diagnostic for rule in costly for diagnostic in rule.check(shop, context)]
    return found
