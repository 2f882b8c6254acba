"""Events and actions as one readable line each: what `kefu simulate` prints without --json."""

from __future__ import annotations

import datetime as dt

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

WIDTH = 72  # message texts are cut to this many characters (the JSON output keeps them whole)


def clip(text: str, width: int = WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def when(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S")


def event_line(event: Event, line: int | None) -> str:
    """`12 2026-11-25 14:00:00 customer_message c1 請問有免運嗎?`"""
    where = f"{line:>4} " if line is not None else "   · "
    subject = getattr(event, "conversation", None) or getattr(event, "agent", None) or ""
    detail = ""
    if isinstance(event, CustomerMessage):
        detail = clip(event.text)
    elif isinstance(event, SettingChange):
        detail = f"{event.actor}: {event.setting.value} = {event.value}"
    elif isinstance(event, CustomerRating):
        detail = "solved" if event.solved else f"unsolved ({event.reason.value if event.reason else ''})"
    elif hasattr(event, "text") and getattr(event, "text", None):
        detail = clip(str(event.text))
    if hasattr(event, "agent") and getattr(event, "conversation", None):
        subject = f"{event.conversation} {event.agent}"
    return " ".join(part for part in (f"{where}{when(event.time)}", event.type, subject, detail) if part)


def action_line(action: Action) -> str:
    """`     → send assist answer shipping.free 0.98 [自動發送] 您好,...`"""
    return "     → " + _describe(action)


def _describe(action: Action) -> str:
    if isinstance(action, Send):
        who = action.sender.value + (f" {action.agent}" if action.agent else "")
        entry = f" {action.entry}" if action.entry else ""
        score = f" {action.score:.0f}" if action.score is not None else ""
        labels = "".join(f" [{label}]" for label in (action.label, action.customer_label) if label)
        return f"send {action.conversation} {who} {action.kind.value}{entry}{score}{labels}: {clip(action.text)}"
    if isinstance(action, Suggest):
        options = ", ".join(f"{s.entry} {s.score:.0f}" for s in action.suggestions)
        return f"suggest {action.conversation} to {action.agent} ({action.source}): {options}"
    if isinstance(action, Notice):
        return f"notice {action.conversation} {action.reason}: {action.text}"
    if isinstance(action, Lists):
        marks = [name for name, on in (("unread", action.unread), ("unreplied", action.unreplied)) if on]
        return f"lists {action.conversation}: {', '.join(marks) or 'neither unread nor unreplied'}"
    if isinstance(action, Assign):
        return f"assign {action.conversation} to {action.agent}"
    if isinstance(action, Queue):
        return f"queue {action.conversation} at position {action.position}"
    if isinstance(action, Changed):
        return f"changed {action.setting}: {action.before} -> {action.after} (by {action.actor})"
    if isinstance(action, Denied):
        return f"denied {action.setting} = {action.value} for {action.actor}: {action.reason}"
    if isinstance(action, Rated):
        verdict = "solved" if action.solved else f"unsolved ({action.reason.value if action.reason else ''})"
        rated = f" {action.sender.value}" + (f" {action.entry}" if action.entry else "") if action.sender else ""
        return f"rated {action.conversation}{rated}: {verdict}" + (f' "{clip(action.text)}"' if action.text else "")
    if isinstance(action, (SessionOpened, SessionClosed)):
        return f"{action.type.replace('_', ' ')} {action.conversation}"
    return action.type
