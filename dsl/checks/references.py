"""K030 and K034: tests and scenarios name entries and people the shop really has."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import K030, K034
from kefu.dsl.values import did_you_mean
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop


def _hint(name: str, known: list[str], fallback: str) -> str:
    return did_you_mean(name, known) or fallback


def check(shop: Shop) -> Iterator[Diagnostic]:
    ids = [entry.id for entry in shop.entries]
    known = set(ids)
    for block in shop.tests:
        for case in block.cases:
            if case.expect is not None and case.expect not in known and case.span is not None:
                yield Diagnostic(
                    code=K030.code,
                    severity=Severity.error,
                    span=case.span,
                    message=f"test '{block.name}' expects entry '{case.expect}', which shop '{shop.id}' does not have",
                    help=_hint(case.expect, ids, "check the id, or whether a drop removed it"),
                )
    people = [member.name for member in shop.staff]
    for scenario in shop.scenarios:
        for step in scenario.steps:
            if step.actor is not None and step.actor not in people and step.span is not None:
                yield Diagnostic(
                    code=K034.code,
                    severity=Severity.error,
                    span=step.span,
                    message=f"scenario '{scenario.name}' names '{step.actor}', who is not in staff",
                    help=_hint(step.actor, people, "add them to the staff block"),
                )
            for expectation in step.expect:
                if (
                    expectation.kind in ("bot", "assist", "suggest")
                    and expectation.value not in known
                    and expectation.span
                ):
                    yield Diagnostic(
                        code=K030.code,
                        severity=Severity.error,
                        span=expectation.span,
                        message=(
                            f"scenario '{scenario.name}' expects entry '{expectation.value}', "
                            f"which shop '{shop.id}' does not have"
                        ),
                        help=_hint(expectation.value or "", ids, "check the id"),
                    )
