"""K030: the entries that tests and scenarios expect are entries the shop really has."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.dsl.values import did_you_mean
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

CODE = define(
    "K030",
    "test-unknown-entry",
    "a test expects an entry the shop does not have",
    "The test could never pass; the id is misspelt or the entry was dropped.",
    '"有包郵嗎" -> shiping.free',
    '"有包郵嗎" -> shipping.free',
    level=Severity.warning,
    category="references",
    level_reason="The shop itself builds and runs as written; only the test is wrong, and `kefu test` runs "
    "it and reports it failing.",
)

EXPECTS_ENTRY = ("bot", "assist", "suggest")  # scenario expectations whose value is an entry id


def check(shop: Shop) -> Iterator[Diagnostic]:
    ids = [entry.id for entry in shop.entries]
    known = set(ids)
    for block in shop.tests:
        for case in block.cases:
            if case.expect is not None and case.expect not in known and case.span is not None:
                yield CODE.at(
                    case.span,
                    f"test '{block.name}' expects entry '{case.expect}', which shop '{shop.id}' does not have",
                    did_you_mean(case.expect, ids) or "check the id, or whether a drop removed it",
                )
    for scenario in shop.scenarios:
        for step in scenario.steps:
            for expectation in step.expect:
                if expectation.kind in EXPECTS_ENTRY and expectation.value not in known and expectation.span:
                    yield CODE.at(
                        expectation.span,
                        f"scenario '{scenario.name}' expects entry '{expectation.value}', "
                        f"which shop '{shop.id}' does not have",
                        did_you_mean(expectation.value or "", ids) or "check the id",
                    )
