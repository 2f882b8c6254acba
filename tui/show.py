"""Events and actions as one readable line each (what `kefu simulate` prints without --json), and the
staff names `kefu audit` can prove from its rows.

Every text that came from outside (messages, names, ids, reasons) goes through `kefu.dsl.visible`:
control and invisible characters print as escapes, so no text can break a line, erase one or hide in
a name; a name that only looks like a staff name of the shop is quoted with a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from kefu.dsl.visible import clipped, shown_name, visible
from kefu.engine.events import (
    Action,
    Assign,
    Changed,
    CustomerMessage,
    CustomerRating,
    Denied,
    Event,
    Lists,
    Notice,
    Queue,
    Rated,
    Send,
    SessionClosed,
    SessionOpened,
    SettingChange,
    Suggest,
)
from kefu.engine.why import Why

if TYPE_CHECKING:
    from kefu.engine.store import AuditEntry

WIDTH = 72  # message texts are cut to this many characters (the JSON output keeps them whole)


def clip(text: str, width: int = WIDTH) -> str:
    """A message on one line: spaces folded, control characters as escapes, cut with `…`."""
    return clipped(text, width)


def when(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S")


def event_line(event: Event, line: int | None, staff: Collection[str] = ()) -> str:
    """`12 2026-11-25 14:00:00 customer_message c1 請問有免運嗎?`; `staff`: the names of the event's
    shop's staff, so a name that only looks like one of them shows the difference."""
    where = f"{line:>4} " if line is not None else "   · "
    conversation = getattr(event, "conversation", None)
    agent = getattr(event, "agent", None)
    subject = visible(conversation) if conversation else shown_name(agent, staff) if agent is not None else ""
    detail = ""
    if isinstance(event, CustomerMessage):
        detail = clip(event.text)
    elif isinstance(event, SettingChange):
        detail = f"{shown_name(event.actor, staff)}: {event.setting.value} = {visible(event.value)}"
    elif isinstance(event, CustomerRating):
        detail = "solved" if event.solved else f"unsolved ({event.reason.value if event.reason else ''})"
    elif hasattr(event, "text") and getattr(event, "text", None):
        detail = clip(str(event.text))
    if agent is not None and conversation:
        subject = f"{visible(conversation)} {shown_name(agent, staff)}"
    return " ".join(part for part in (f"{where}{when(event.time)}", event.type, subject, detail) if part)


def action_line(action: Action, staff: Collection[str] = ()) -> str:
    """`     → send assist answer shipping.free 0.98 [自動發送] 您好,...`"""
    return "     → " + _describe(action, staff)


def _describe(action: Action, staff: Collection[str]) -> str:
    conversation = visible(getattr(action, "conversation", ""))
    if isinstance(action, Send):
        who = action.sender.value + (f" {shown_name(action.agent, staff)}" if action.agent is not None else "")
        entry = f" {visible(action.entry)}" if action.entry else ""
        score = f" {action.score:.0f}" if action.score is not None else ""
        labels = "".join(f" [{visible(label)}]" for label in (action.label, action.customer_label) if label)
        return f"send {conversation} {who} {action.kind.value}{entry}{score}{labels}: {clip(action.text)}"
    if isinstance(action, Suggest):
        options = ", ".join(f"{visible(s.entry)} {s.score:.0f}" for s in action.suggestions)
        return f"suggest {conversation} to {shown_name(action.agent, staff)} ({action.source}): {options}"
    if isinstance(action, Notice):
        return f"notice {conversation} {action.reason}: {visible(action.text)}"
    if isinstance(action, Lists):
        marks = [name for name, on in (("unread", action.unread), ("unreplied", action.unreplied)) if on]
        return f"lists {conversation}: {', '.join(marks) or 'neither unread nor unreplied'}"
    if isinstance(action, Assign):
        return f"assign {conversation} to {shown_name(action.agent, staff)}"
    if isinstance(action, Queue):
        return f"queue {conversation} at position {action.position}"
    if isinstance(action, Changed):
        by = f"(by {shown_name(action.actor, staff)})"
        if action.before == action.after:  # set to the value it had: audited as unchanged
            return f"unchanged {visible(action.setting)}: {visible(action.after)} {by}"
        return f"changed {visible(action.setting)}: {visible(action.before)} -> {visible(action.after)} {by}"
    if isinstance(action, Denied):
        return (
            f"denied {visible(action.setting)} = {visible(action.value)} for {shown_name(action.actor, staff)}: "
            f"{visible(action.reason)}"
        )
    if isinstance(action, Rated):
        verdict = "solved" if action.solved else f"unsolved ({action.reason.value if action.reason else ''})"
        rated = (
            f" {action.sender.value}" + (f" {visible(action.entry)}" if action.entry else "") if action.sender else ""
        )
        named = f" (the answer to event {action.answer})" if action.answer is not None else ""
        return f"rated {conversation}{rated}{named}: {verdict}" + (f' "{clip(action.text)}"' if action.text else "")
    if isinstance(action, (SessionOpened, SessionClosed)):
        return f"{action.type.replace('_', ' ')} {conversation}"
    return action.type


def changed_by(entries: Iterable[AuditEntry]) -> dict[str, frozenset[str]]:
    """Per shop, the actors whose setting change went through: only the shop's owner and admins may
    switch a setting, so these are staff names (the database keeps no staff list)."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        if entry.outcome == "changed":
            found.setdefault(entry.shop, set()).add(entry.actor)
    return {shop: frozenset(names) for shop, names in found.items()}


def why_lines(why: Why) -> list[str]:
    """The `why` of an action, indented under its line: what the matcher made of the message, then
    the policy path, each step with the rule that set it."""
    lines: list[str] = []
    pad = "         "
    matched = why.matched
    if matched is not None:
        lines.append(f"{pad}why: {clip(matched.message)!r} read as {clip(matched.normalised)!r}")
        if matched.synonyms:
            applied = ", ".join(f"{visible(found)} -> {visible(used)}" for found, used in matched.synonyms)
            lines.append(f"{pad}     synonyms: {applied}")
        for candidate in matched.candidates:
            lines.append(
                f"{pad}     {visible(candidate.entry)}: score {candidate.score:.1f}, raw {candidate.raw:.3f} "
                f"(ask {clip(candidate.ask, 40)!r})"
            )
        levels = matched.levels
        rule = f"  [{visible(levels.rule)}]" if levels.rule else ""
        lines.append(
            f"{pad}     margin {matched.margin:.1f} (needs {levels.margin}); levels: auto-send {levels.confidence}, "
            f"suggest {levels.suggest} -> {matched.decision}{rule}"
        )
        if matched.reason:
            lines.append(f"{pad}     {visible(matched.reason)}")
    for number, step in enumerate(why.policy):
        head = "why: " if matched is None and number == 0 else "     "
        rule = f"  [{visible(step.rule)}]" if step.rule else ""
        lines.append(f"{pad}{head}{step.what}: {visible(step.value)}{rule}")
    return lines
