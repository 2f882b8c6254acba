"""K028: an answer confident enough to auto-send must be good enough to suggest (D-8)."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import K028
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Policy, Shop


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
        if levels.suggest > levels.confidence and (levels.span or shop.span):
            yield Diagnostic(
                code=K028.code,
                severity=Severity.error,
                span=levels.span or shop.span,
                message=f"suggest level {levels.suggest} is above the auto-send level {levels.confidence}{where}",
                help=f"lower suggest to {levels.confidence} or less, or raise confidence",
            )
