"""Run a shop's `test` and `scenario` blocks: what `kefu test` reports.

A test case `"message" -> id` passes when the best entry for the message is `id` and it is at least
suggested (D-8: auto-sent, or shown to the agent); `-> none` passes when nothing would be auto-sent.

A scenario plays one conversation on a virtual clock in the shop's time zone through the same run
loop as `kefu simulate` (`engine.loop.EngineLoop`, committing each step as it is fed), so the clock's
ticks close sessions the same way and what a scenario proves is what `kefu simulate` does. Expectations
written on a step are checked against that step's actions and the state after it; a standalone
`expect` line checks the actions since the previous standalone `expect` (or the start), so
`expect notice` after a few customer lines asks whether any of them made a notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.engine.decide import CompiledShop
from kefu.engine.events import (
    Action,
    AgentLeave,
    AgentMessage,
    AgentOffline,
    AgentOnline,
    AgentOpen,
    AgentTypes,
    CustomerMessage,
    CustomerRating,
    Event,
    Kind,
    Notice,
    Reason,
    Send,
    Sender,
    Setting,
    SettingChange,
    Suggest,
)
from kefu.engine.inbox import Conversation
from kefu.engine.loop import EngineLoop
from kefu.engine.match import Match
from kefu.engine.matcher import Decision
from kefu.engine.rules import Expectation, Scenario, ScenarioStep, Shop, TestCase
from kefu.engine.simulate import Simulation

CONVERSATION = "scenario"  # the one conversation a scenario plays


class Result(BaseModel):
    """One test case or one scenario: passed, or what was expected and what happened instead."""

    model_config = ConfigDict(frozen=True)

    shop: str
    kind: Literal["test", "scenario"]
    block: str
    file: str | None
    line: int | None
    passed: bool
    expected: str = ""
    got: str = ""
    reached: tuple[str, ...] = ()  # entries this case answered or suggested (for --coverage)
    # what `engine.coverage` reads (never printed): a case's match; a scenario's actions, with their
    # `why`, when run with `explain`
    match: Match | None = Field(default=None, exclude=True)
    actions: tuple[Action, ...] = Field(default=(), exclude=True)


def run_shop(shop: Shop, rules: CompiledShop | None = None, explain: bool = False) -> list[Result]:
    """Every test case and scenario of the shop, in the order they were written. With `explain`,
    each scenario's result keeps the actions it played, each with its `why` (`kefu test --coverage`);
    without it nothing is kept and no `why` is built."""
    rules = rules or CompiledShop(shop)
    results = [_case(shop, rules, block.name, case) for block in shop.tests for case in block.cases]
    results.extend(result for scenario in shop.scenarios for result in _scenario(shop, rules, scenario, explain))
    return results


def uncovered(shop: Shop, results: Iterable[Result]) -> list[str]:
    """Entries of the shop that no test case or scenario reaches, in the order they were written."""
    reached = {entry for result in results for entry in result.reached}
    return [entry.id for entry in shop.entries if entry.id not in reached]


# -- test cases ---------------------------------------------------------------------------------


def _case(shop: Shop, rules: CompiledShop, block: str, case: TestCase) -> Result:
    match = rules.matcher.match(case.message, shop.policy.matching, top=3)
    best = match.best
    decision = match.decision
    got_entry = best.entry if best is not None and decision != Decision.none else None
    if case.expect is None:
        passed = decision != Decision.auto_send
        expected = "nothing auto-sent"
    else:
        passed = got_entry == case.expect
        expected = f"{case.expect} (auto-sent or suggested)"
    if best is None:
        got = "no answer"
    elif got_entry is None:
        got = f"no answer (best {best.entry}, score {best.score:.0f})"
    else:
        got = f"{got_entry} ({'auto-sent' if decision == Decision.auto_send else 'suggested'}, score {best.score:.0f})"
    span = case.span
    return Result(
        shop=shop.id,
        kind="test",
        block=block,
        file=span.file if span else None,
        line=span.line if span else None,
        passed=passed,
        expected=expected,
        got=f"{got} for {case.message!r}",
        reached=(got_entry,) if got_entry else (),
        match=match,
    )


# -- scenarios ----------------------------------------------------------------------------------


class _Failure(Exception):
    def __init__(self, step: ScenarioStep, expected: str, got: str) -> None:
        super().__init__(expected)
        self.step, self.expected, self.got = step, expected, got


def _scenario(shop: Shop, rules: CompiledShop, scenario: Scenario, explain: bool = False) -> list[Result]:
    # one step a commit and no store: each step is handed back as it is decided (the clock is never read)
    simulation = Simulation({shop.id: shop}, compile=lambda _: rules, explain=explain)
    loop = EngineLoop(simulation, clock=lambda: 0.0, batch=1)
    now: dt.datetime | None = None
    since: list[Action] = []  # actions since the last standalone expect
    played: list[Action] = []  # every action, kept only with `explain`
    reached: set[str] = set()
    span = scenario.span

    def result(passed: bool, step: ScenarioStep | None = None, expected: str = "", got: str = "") -> Result:
        where = step.span if step is not None and step.span is not None else span
        return Result(
            shop=shop.id,
            kind="scenario",
            block=scenario.name,
            file=where.file if where else None,
            line=where.line if where else None,
            passed=passed,
            expected=expected,
            got=got,
            reached=tuple(sorted(reached)),
            actions=tuple(played),
        )

    try:
        for step in scenario.steps:
            if step.kind == "at":
                now = step.time
                continue
            if step.kind == "wait":
                now = _require_clock(step, now) + dt.timedelta(seconds=step.seconds or 0)
                continue
            actions: list[Action] = []
            if step.kind != "expect":
                event = _event(step, _require_clock(step, now))
                fed = loop.feed(event)
                if fed.error is not None:
                    raise _Failure(step, "the step to play", fed.error.message)
                actions = [action for s in fed.committed.steps for action in s.actions]
                since.extend(actions)
                if explain:
                    played.extend(actions)
                reached.update(_entries(actions))
            state = loop.state(shop.id)
            conversation = state.conversations.get(CONVERSATION) if state is not None else None
            looked_at = since if step.kind == "expect" else actions
            for expectation in step.expect:
                _check(step, expectation, looked_at, conversation)
            if step.kind == "expect":
                since = []
    except _Failure as failure:
        return [result(False, failure.step, failure.expected, failure.got)]
    return [result(True)]


def _require_clock(step: ScenarioStep, now: dt.datetime | None) -> dt.datetime:
    if now is None:
        raise _Failure(step, "an `at` step before the first step that needs the clock", "no time set")
    return now


def _rating(step: ScenarioStep, now: dt.datetime) -> Event:
    solved = step.value == "solved"
    return CustomerRating(
        time=now,
        conversation=CONVERSATION,
        solved=solved,
        reason=None if solved else Reason(step.reason or "other"),
        text=step.text,
    )


CLOCK_STEPS: tuple[str, ...] = ("at", "wait")  # steps that move the virtual clock and play nothing
STEP_EVENTS: dict[str, Callable[[ScenarioStep, dt.datetime], Event]] = {
    "customer": lambda step, now: CustomerMessage(time=now, conversation=CONVERSATION, text=step.text or ""),
    "online": lambda step, now: AgentOnline(time=now, agent=step.actor or ""),
    "offline": lambda step, now: AgentOffline(time=now, agent=step.actor or ""),
    "open": lambda step, now: AgentOpen(time=now, agent=step.actor or "", conversation=CONVERSATION),
    "leave": lambda step, now: AgentLeave(time=now, agent=step.actor or "", conversation=CONVERSATION),
    "agent": lambda step, now: AgentMessage(
        time=now, agent=step.actor or "", conversation=CONVERSATION, text=step.text or ""
    ),
    "types": lambda step, now: AgentTypes(
        time=now, agent=step.actor or "", conversation=CONVERSATION, text=step.text or ""
    ),
    "set": lambda step, now: SettingChange(
        time=now, actor=step.actor or "", setting=Setting(step.setting), value=step.value or ""
    ),
    "rate": _rating,
}  # the event each playing step makes: the one place a scenario step meets the engine's events


def _event(step: ScenarioStep, now: dt.datetime) -> Event:
    make = STEP_EVENTS.get(step.kind)
    if make is None:
        raise _Failure(step, "a step kefu knows", step.kind)
    return make(step, now)


def _entries(actions: Iterable[Action]) -> set[str]:
    reached = set()
    for action in actions:
        if isinstance(action, Send) and action.entry:
            reached.add(action.entry)
        elif isinstance(action, Suggest):
            reached.update(s.entry for s in action.suggestions)
    return reached


def _check(
    step: ScenarioStep, expectation: Expectation, actions: list[Action], conversation: Conversation | None
) -> None:
    kind, value = expectation.kind, expectation.value
    sends = [a for a in actions if isinstance(a, Send)]
    if kind in ("bot", "assist"):
        sender = Sender.bot if kind == "bot" else Sender.assist
        ok = any(s.sender == sender and s.kind == Kind.answer and s.entry == value for s in sends)
    elif kind == "suggest":
        ok = any(isinstance(a, Suggest) and any(s.entry == value for s in a.suggestions) for a in actions)
    elif kind in ("fallback", "off_hours_reply", "greeting"):
        ok = any(s.kind == Kind(kind) for s in sends)
    elif kind == "nothing":  # no reply to the customer's words; a greeting may open the session
        ok = all(s.kind == Kind.greeting for s in sends)
    elif kind == "notice":
        ok = any(isinstance(a, Notice) for a in actions)
    elif kind in ("label", "customer_label"):
        ok = any(getattr(s, kind) == value for s in sends)
    else:  # the conversation's place in the inbox now
        flags = {
            "unread": bool(conversation and conversation.unread),
            "unreplied": bool(conversation and conversation.unreplied),
            "queued": bool(conversation and conversation.queued),
        }
        name = kind.removeprefix("not_")
        ok = flags[name] != kind.startswith("not_")
    if not ok:
        raise _Failure(step, describe_expectation(expectation), _got(kind, actions, conversation))


def describe_expectation(expectation: Expectation) -> str:
    words = expectation.kind.replace("_", " ") if expectation.kind.startswith("not_") else expectation.kind
    if expectation.value is None:
        return words
    return (
        f'{words} "{expectation.value}"'
        if expectation.kind in ("label", "customer_label")
        else f"{words} {expectation.value}"
    )


def _got(kind: str, actions: list[Action], conversation: Conversation | None) -> str:
    if kind in ("unread", "unreplied", "queued", "not_unread", "not_unreplied"):
        if conversation is None:
            return "no such conversation in the inbox"
        marks = [
            n
            for n, on in (
                ("unread", conversation.unread),
                ("unreplied", conversation.unreplied),
                ("queued", conversation.queued),
            )
            if on
        ]
        return ", ".join(marks) or "neither unread, unreplied nor queued"
    seen = []
    for action in actions:
        if isinstance(action, Send):
            entry = f" {action.entry}" if action.entry else ""
            labels = "".join(f" [{label}]" for label in (action.label, action.customer_label) if label)
            seen.append(f"{action.sender.value} {action.kind.value}{entry}{labels}")
        elif isinstance(action, Suggest):
            seen.append("suggest " + " ".join(s.entry for s in action.suggestions))
        elif isinstance(action, Notice):
            seen.append(f"notice {action.reason}")
    return "; ".join(seen) or "nothing sent"
