"""K042: a scenario's clock stays within the years kefu plays, so what `kefu check` passes,
`kefu test` can run (events outside years 2 to 9998 cannot be moved to a shop's clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from kefu.dsl.codes import define
from kefu.engine.diagnostics import Diagnostic, Severity
from kefu.engine.events import FIRST_YEAR, LAST_YEAR
from kefu.engine.rules import Scenario, ScenarioStep, Shop

CODE = define(
    "K042",
    "scenario-clock-out-of-range",
    "a scenario's clock leaves the years kefu plays",
    f"Events are played between the years {FIRST_YEAR} and {LAST_YEAR} (a day of slack on each side lets any "
    "shop's clock and a session's 24 hours fit). A scenario whose `at` or `wait` takes its clock outside "
    "could not be played by `kefu test`.",
    'scenario "far" {\n    at 9998-12-31 23:00\n    wait 2d\n    customer "在嗎"\n}',
    'scenario "night" {\n    at 2026-11-24 23:00\n    wait 2h\n    customer "在嗎"\n}',
    level=Severity.error,
    category="scenarios",
    level_reason="`kefu test` cannot play the scenario at all: what check passes, test must be able to run.",
)

EARLIEST = dt.datetime(FIRST_YEAR, 1, 1)
LATEST = dt.datetime(LAST_YEAR, 12, 31, 23, 59, 59)


def check(shop: Shop) -> Iterator[Diagnostic]:
    for scenario in shop.scenarios:
        found = _first_step_out_of_range(scenario)
        if found is not None:
            yield found


def _first_step_out_of_range(scenario: Scenario) -> Diagnostic | None:
    now: dt.datetime | None = None
    for step in scenario.steps:
        if step.kind == "at" and step.time is not None:
            now = step.time
            if not EARLIEST <= now <= LATEST:
                return _at(
                    scenario, step, f"'at {now.isoformat(sep=' ', timespec='minutes')}' is outside the years kefu plays"
                )
        elif step.kind == "wait" and now is not None:
            seconds = step.seconds or 0
            if seconds > (LATEST - now).total_seconds():  # compared before adding: no overflow
                return _at(
                    scenario, step, f"this 'wait' takes the clock of scenario '{scenario.name}' past {LATEST:%Y}"
                )
            now += dt.timedelta(seconds=seconds)
    return None


def _at(scenario: Scenario, step: ScenarioStep, message: str) -> Diagnostic | None:
    where = step.span or scenario.span
    if where is None:
        return None
    return CODE.at(
        where, message, f"keep the scenario between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}"
    )
