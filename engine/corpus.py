"""The messages `kefu impact` replays (`engine.impact`): plain messages and streams of events.

- A **plain message** is decided on its own, as `kefu ask` decides it: the test cases of the shops,
  and JSON Lines of `{"text": ...}` objects (the eval query files: other keys such as "intent" or
  "expect" are read past; an optional "shop" names the shop).
- A **stream** is replayed in time through the whole policy (hours, periods, the bot, who is
  online), as `kefu simulate` plays it: the shops' scenarios, `kefu simulate` input files (lines
  with a "type") and the runs recorded in the store.

A JSON Lines file is one or the other, as its first line says. A line that cannot be read (not
UTF-8, not JSON, not an object with a "text" string, not an event) is a `CorpusError` naming
`FILE:LINE`: the comparison would otherwise be silently short of messages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import IO

from pydantic import BaseModel, ConfigDict

from kefu.engine.event_lines import MAX_LINE, read_events, shown
from kefu.engine.events import Event
from kefu.engine.rules import Scenario, Shop, without_spans
from kefu.engine.verify import CLOCK_STEPS, STEP_EVENTS

Rename = Callable[[str], str]  # how a file is named in output (a revision's files as `REV:path`)
SNIFF = 8192  # bytes read to tell a binary file from text


class CorpusError(ValueError):
    """A corpus input kefu cannot read: the message names where (`FILE:LINE`) and what, on one line."""


class Message(BaseModel):
    """A plain message: its text, the shop it is for (None: the only one), what it is (`test`,
    `corpus`) and where it was written."""

    model_config = ConfigDict(frozen=True)

    text: str
    shop: str | None = None
    kind: str
    where: str


class Played(BaseModel):
    """One event of a stream and where it comes from (`file:line`, a scenario step, a stored event)."""

    model_config = ConfigDict(frozen=True)

    event: Event
    where: str


class Stream(BaseModel):
    """Events replayed in order from one start (everyone offline, switches as written)."""

    model_config = ConfigDict(frozen=True)

    kind: str  # scenario | events | db
    name: str
    events: tuple[Played, ...]


def case_messages(shop: Shop, name: Rename = str) -> list[Message]:
    """The messages of the shop's `test` blocks; `name` renames a file (a revision's `REV:path`)."""
    found = []
    for block in shop.tests:
        for case in block.cases:
            span = case.span
            where = f"{name(span.file)}:{span.line}" if span is not None else f"test {block.name!r}"
            found.append(Message(text=case.message, shop=shop.id, kind="test", where=where))
    return found


def scenario_stream(shop: Shop, scenario: Scenario, name: Rename = str) -> Stream | None:
    """A scenario as the events it plays (its `expect` lines are not replayed: the comparison is of
    what happens, not of what was expected); None when it plays before any `at` (it cannot run)."""
    now: dt.datetime | None = None
    events = []
    for step in scenario.steps:
        if step.kind in CLOCK_STEPS:
            if step.kind == "at":
                now = step.time
            elif now is not None:
                now += dt.timedelta(seconds=step.seconds or 0)
            continue
        make = STEP_EVENTS.get(step.kind)
        if make is None:
            continue
        if now is None:
            return None
        span = step.span
        where = f"{name(span.file)}:{span.line}" if span is not None else f"scenario {scenario.name!r}"
        events.append(Played(event=make(step, now).model_copy(update={"shop": shop.id}), where=where))
    return Stream(kind="scenario", name=f"{shop.id}: {scenario.name}", events=tuple(events))


def scenarios(shops: Iterable[tuple[Shop, Rename]]) -> list[Stream]:
    """The scenarios of the shops, each once (a scenario written the same way on both sides is one)."""
    seen: set[str] = set()
    found = []
    for shop, name in shops:
        for scenario in shop.scenarios:
            key = json.dumps([shop.id, without_spans(scenario)], default=str, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            stream = scenario_stream(shop, scenario, name)
            if stream is not None:
                found.append(stream)
    return found


def read_corpus(source: IO[bytes], name: str) -> list[Message] | Stream:
    """A JSON Lines file of plain messages or of events (as its first line says)."""
    head = source.read(SNIFF)
    if b"\0" in head:
        raise CorpusError(f"{name}: a binary file, not JSON Lines")
    if not head:
        raise CorpusError(f"{name}: empty: no messages to replay")
    source.seek(0)
    first = None  # the whole first line that holds anything (an event's text may be longer than SNIFF)
    for line in iter(lambda: source.readline(MAX_LINE + 1), b""):
        if line.strip():
            first = line
            break
    source.seek(0)
    if first is not None and _is_event(first):
        return _events(source, name)
    return _messages(source, name)


def _is_event(line: bytes) -> bool:
    try:
        value = json.loads(line.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(value, dict) and "type" in value


def _events(source: IO[bytes], name: str) -> Stream:
    events = []
    for number, parsed, _ in read_events(source):
        if isinstance(parsed, str):
            raise CorpusError(f"{name}:{number}: {parsed}")
        events.append(Played(event=parsed, where=f"{name}:{number}"))
    if not events:
        raise CorpusError(f"{name}: no events to replay")
    return Stream(kind="events", name=name, events=tuple(events))


def _messages(source: IO[bytes], name: str) -> list[Message]:
    found = []
    for number, raw in enumerate(iter(lambda: source.readline(MAX_LINE + 1), b""), 1):
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            raise CorpusError(f"{name}:{number}: line longer than {MAX_LINE // (1 << 20)} MiB")
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise CorpusError(f"{name}:{number}: not UTF-8 text (byte {error.start + 1})") from None
        try:
            value = json.loads(text.strip())
        except json.JSONDecodeError as error:
            raise CorpusError(f"{name}:{number}: not JSON: {error.msg} (column {error.colno})") from None
        except RecursionError:
            raise CorpusError(f"{name}:{number}: not JSON: nested deeper than a reader can follow") from None
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            raise CorpusError(f'{name}:{number}: expected an object with a "text" string (or an event with "type")')
        shop = value.get("shop")
        if shop is not None and not isinstance(shop, str):
            raise CorpusError(f'{name}:{number}: "shop" is {shown(shop)}, not a shop id')
        found.append(Message(text=value["text"], shop=shop, kind="corpus", where=f"{name}:{number}"))
    if not found:
        raise CorpusError(f"{name}: no messages to replay")
    return found
