"""K034: the people a scenario plays are in the shop's staff."""

from __future__ import annotations

from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.dsl.values import did_you_mean
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.rules import Shop

CODE = define(
    "K034",
    "unknown-agent",
    "a scenario names a person who is not in staff",
    "Scenarios play the shop's own staff; a misspelt name would play nobody.",
    "online amyy",
    "online amy",
    level=Severity.warning,
    category="references",
    level_reason="The shop itself builds and runs as written; only the scenario is wrong: the engine ignores "
    "what a stranger does, so its expectations test something else (`--fail-on warning` fails a CI run on it).",
)


def check(shop: Shop) -> Iterator[Diagnostic]:
    people = [member.name for member in shop.staff]
    for scenario in shop.scenarios:
        for step in scenario.steps:
            if step.actor is not None and step.actor not in people and step.span is not None:
                yield CODE.at(
                    step.span,
                    f"scenario '{scenario.name}' names '{step.actor}', who is not in staff",
                    did_you_mean(step.actor, people) or "add them to the staff block",
                )
