"""K028: an answer confident enough to auto-send must be good enough to suggest (D-8)."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Policy, Shop

CODE = define(
    "K028",
    "suggest-above-confidence",
    "the suggest level is above the auto-send level",
    "An answer confident enough to auto-send must also be good enough to suggest (D-8).",
    "matching {\n    confidence 60\n    suggest 80\n}",
    "matching {\n    confidence 80\n    suggest 60\n}",
    level=Severity.error,
    category="matching",
    level_reason="The two levels contradict D-8: assist would never suggest an answer that is not confident "
    "enough to send, and kefu will not guess which of the two levels was meant.",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    policies: list[tuple[str, Policy]] = [("", shop.policy)]
    # a period that writes no matching block inherits the shop's levels: checked once, above
    policies += [
        (f" during period '{p.name}'", p.policy)
        for p in shop.periods
        if p.policy.matching.span != shop.policy.matching.span
    ]
    for where, policy in policies:
        levels = policy.matching
        span = levels.span or shop.span
        if levels.suggest > levels.confidence and span is not None:
            yield CODE.at(
                span,
                f"suggest level {levels.suggest} is above the auto-send level {levels.confidence}{where}",
                f"lower suggest to {levels.confidence} or less, or raise confidence",
            )
