"""What the terminal UI shows of the played events: each conversation's lines as agents and the customer
see them, the suggestions each agent has, and the ratings under the answers.

Built step by step from the engine's committed steps (never from anything else), so the screen shows
exactly what `kefu simulate` prints. Every step's changes are logged, so stepping back through a replay
undoes them at the cost of that one step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from kefu.engine.events import CustomerMessage, Kind, Notice, Rated, Send, Sender, Step, Suggest
from kefu.engine.why import Why

Side = Literal["customer", "assistant", "agent", "shop", "system"]


@dataclass(frozen=True, slots=True)
class Line:
    """One message in a conversation. `label` is what agents see under it, `customer_label` what the
    customer sees; a `system` line (a notice) is for agents only."""

    seq: int  # the event it came from
    time: dt.datetime
    side: Side
    text: str
    kind: str  # "message" for the customer's words, "notice", or a send's kind
    sender: Sender | None = None
    entry: str | None = None
    agent: str | None = None
    label: str | None = None
    customer_label: str | None = None
    score: float | None = None
    why: Why | None = None
    rated: Rated | None = None  # the customer's rating of this answer (BOT-8)

    @property
    def for_customer(self) -> bool:
        return self.side != "system"

    @property
    def ratable(self) -> bool:
        """The customer may rate it (BOT-8: under each bot answer)."""
        return self.side == "assistant" and self.sender == Sender.bot and self.kind in ("answer", "fallback")


@dataclass(frozen=True, slots=True)
class Offer:
    """The suggestions an agent has for a conversation (AR-2, IR-3)."""

    seq: int
    action: Suggest


@dataclass(slots=True)
class _Undo:
    """What one step changed, to take it back."""

    appended: dict[str, int] = field(default_factory=dict)  # conversation -> lines added
    replaced: list[tuple[str, int, Line]] = field(default_factory=list)  # (conversation, index, line before)
    offers: list[tuple[tuple[str, str], Offer | None]] = field(default_factory=list)  # (key, offer before)
    customers: list[tuple[str, str | None]] = field(default_factory=list)  # (conversation, name before)
    stamps: dict[str, tuple[int, int] | None] = field(default_factory=dict)  # conversation -> its stamp before


_SIDES: dict[Sender, Side] = {
    Sender.assist: "assistant",
    Sender.bot: "assistant",
    Sender.agent: "agent",
    Sender.shop: "shop",
}


class Transcripts:
    """Every conversation's lines, the agents' current suggestions and the customers' names."""

    def __init__(self) -> None:
        self.lines: dict[str, list[Line]] = {}  # in the order of their last line, oldest first
        self._stamps: dict[str, tuple[int, int]] = {}  # conversation -> (seq, number) of its last line
        self._added = 0  # lines added so far: orders the lines of one event
        self.offers: dict[tuple[str, str], Offer] = {}  # (conversation, agent) -> latest suggestions
        self.customers: dict[str, str | None] = {}
        self._undo: list[_Undo] = []

    def add(self, steps: list[Step] | tuple[Step, ...], seq: int) -> None:
        """The steps one event made (a tick kefu added, then the event), as one undoable change."""
        undo = _Undo()
        for step in steps:
            event = step.event
            if isinstance(event, CustomerMessage):
                self._customer(event, undo)
                self._append(event.conversation, Line(seq, event.time, "customer", event.text, "message"), undo)
            for action in step.actions:
                if isinstance(action, Send):
                    self._append(action.conversation, _sent(seq, action), undo)
                elif isinstance(action, Notice):
                    line = Line(seq, action.time, "system", action.text, "notice", why=action.why)
                    self._append(action.conversation, line, undo)
                elif isinstance(action, Suggest):
                    key = (action.conversation, action.agent)
                    undo.offers.append((key, self.offers.get(key)))
                    self.offers[key] = Offer(seq, action)
                elif isinstance(action, Rated):
                    self._rate(action, undo)
        self._undo.append(undo)

    def undo(self) -> None:
        """Take back the last `add`."""
        undo = self._undo.pop()
        for conversation, count in undo.appended.items():
            del self.lines[conversation][len(self.lines[conversation]) - count :]
            if not self.lines[conversation]:
                del self.lines[conversation]
        for conversation, index, before in reversed(undo.replaced):
            self.lines[conversation][index] = before
        for key, offer in reversed(undo.offers):
            if offer is None:
                self.offers.pop(key, None)
            else:
                self.offers[key] = offer
        for conversation, name in reversed(undo.customers):
            if name is None:
                self.customers.pop(conversation, None)
            else:
                self.customers[conversation] = name
        if undo.stamps:
            for conversation, stamp in undo.stamps.items():
                if stamp is None:
                    self._stamps.pop(conversation, None)
                else:
                    self._stamps[conversation] = stamp
            self.lines = dict(sorted(self.lines.items(), key=lambda item: self._stamps[item[0]]))

    def _append(self, conversation: str, line: Line, undo: _Undo) -> None:
        """Add a line at the end of its conversation, and the conversation at the end of the order."""
        lines = self.lines.pop(conversation, [])
        lines.append(line)
        self.lines[conversation] = lines
        undo.appended[conversation] = undo.appended.get(conversation, 0) + 1
        undo.stamps.setdefault(conversation, self._stamps.get(conversation))
        self._added += 1
        self._stamps[conversation] = (line.seq, self._added)

    def _customer(self, event: CustomerMessage, undo: _Undo) -> None:
        if event.conversation not in self.customers or event.customer is not None:
            undo.customers.append((event.conversation, self.customers.get(event.conversation)))
            self.customers[event.conversation] = event.customer or self.customers.get(event.conversation)

    def _rate(self, rated: Rated, undo: _Undo) -> None:
        """Put the rating under the answer it rates: the one it names, else the last one."""
        lines = self.lines.get(rated.conversation, [])
        answers = [i for i, line in enumerate(lines) if line.side in ("assistant", "agent")]
        if rated.answer is not None:
            answers = [i for i in answers if lines[i].seq == rated.answer]
        if not answers:
            return
        index = answers[-1]
        undo.replaced.append((rated.conversation, index, lines[index]))
        lines[index] = replace(lines[index], rated=rated)

    def newest_first(self) -> Iterator[str]:
        """The conversations, the one with the latest line first (lines of one event: the last added)."""
        return reversed(self.lines)

    def of(self, conversation: str) -> list[Line]:
        return self.lines.get(conversation, [])

    def offer(self, conversation: str, agent: str) -> Offer | None:
        return self.offers.get((conversation, agent))


def _sent(seq: int, action: Send) -> Line:
    return Line(
        seq=seq,
        time=action.time,
        side=_SIDES[action.sender],
        text=action.text,
        kind=action.kind.value if isinstance(action.kind, Kind) else str(action.kind),
        sender=action.sender,
        entry=action.entry,
        agent=action.agent,
        label=action.label,
        customer_label=action.customer_label,
        score=action.score,
        why=action.why,
    )
