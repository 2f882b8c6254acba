"""A stream of events through `decide` for one or more shops: the decisions of `engine.loop`.

The simulation holds each shop's state and compiled rules, routes every event to its shop, refuses
an event whose time runs backwards, and lets the clock pass: when an hour or more has gone by since
the last sweep, a `tick` is decided first (at the event's time), so idle sessions close (D-1) and the
live state stays the size of the live inbox however long the stream is. The tick is a step of its
own (with no input line), so replaying the stored events gives the same actions.

`reload` swaps in new rules between two events (the terminal UI does it when a rule file is saved):
each shop's live state is kept, fitted to its new staff (`fit_staff`), and a shop gone from the rules
leaves with its state; `recompile` builds a changed shop, reusing its matcher when what the matcher
reads is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from kefu.engine import clock
from kefu.engine.decide import CompiledShop, decide
from kefu.engine.event_lines import shown
from kefu.engine.events import Event, Step, Tick
from kefu.engine.inbox import Agent, State, replace
from kefu.engine.rules import Shop

SWEEP = dt.timedelta(hours=1)


class LineError(BaseModel):
    """An event that cannot be played, and why; `line` is the input line (1-based)."""

    model_config = ConfigDict(frozen=True)

    line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A simulation's place in its stream (`Simulation.snapshot`)."""

    states: Mapping[str, State]
    last: Mapping[str, dt.datetime]
    swept: Mapping[str, dt.datetime]
    seq: int


class Simulation:
    """Per-shop state and rules; `play` one event at a time."""

    def __init__(
        self,
        shops: Mapping[str, Shop],
        compile: Callable[[Shop], CompiledShop] = CompiledShop,
        explain: bool = False,
    ) -> None:
        self.shops = dict(shops)
        self.explain = explain  # actions carry their `why`
        self.seq = 0  # the number of the last event played
        self._compile = compile
        self._rules: dict[str, CompiledShop] = {}
        self.states: dict[str, State] = {}
        self._last: dict[str, dt.datetime] = {}
        self._swept: dict[str, dt.datetime] = {}

    def snapshot(self) -> Snapshot:
        """Where the simulation stands: enough to come back here with `restore` (states are frozen
        values, so this copies a few references per shop)."""
        return Snapshot(dict(self.states), dict(self._last), dict(self._swept), self.seq)

    def restore(self, snapshot: Snapshot) -> None:
        """Back to where `snapshot` was taken: the events played since are undone. A snapshot taken
        before a `reload` comes back fitted to the rules in force now (their shops, their staff)."""
        known = self.shops
        self.states = {i: fit_staff(state, known[i]) for i, state in snapshot.states.items() if i in known}
        self._last = {i: when for i, when in snapshot.last.items() if i in known}
        self._swept = {i: when for i, when in snapshot.swept.items() if i in known}
        self.seq = snapshot.seq

    def is_compiled(self, shop_id: str) -> bool:
        return shop_id in self._rules

    def reload(self, shops: Mapping[str, Shop], compiled: Mapping[str, CompiledShop] | None = None) -> None:
        """New rules from the next event on. A shop whose rules are unchanged keeps its compiled rules;
        a changed one takes `compiled[id]` when given (built beforehand, off the UI's thread), else is
        compiled on its next event. Each shop keeps its live state (conversations, who is online,
        switches flipped, the clock) fitted to its new staff; a shop gone from `shops` leaves, state
        and all. The event numbering goes on."""
        old, self.shops = self.shops, dict(shops)
        given = {i: rules for i, rules in (compiled or {}).items() if i in self.shops}
        kept = {
            i: rules
            for i, rules in self._rules.items()
            if i in self.shops and i not in given and _same(self.shops[i], old.get(i))
        }
        self._rules = kept | given
        self.states = {i: fit_staff(s, self.shops[i], old.get(i)) for i, s in self.states.items() if i in self.shops}
        self._last = {i: when for i, when in self._last.items() if i in self.shops}
        self._swept = {i: when for i, when in self._swept.items() if i in self.shops}

    def compiled(self, shop_id: str) -> CompiledShop | None:
        """The shop's compiled rules if they are built (never builds them)."""
        return self._rules.get(shop_id)

    def rules(self, shop_id: str) -> CompiledShop:
        if shop_id not in self._rules:
            self._rules[shop_id] = self._compile(self.shops[shop_id])
        return self._rules[shop_id]

    def shop_of(self, event: Event) -> str | LineError:
        if event.shop is not None:
            if event.shop not in self.shops:
                known = ", ".join(sorted(self.shops)) or "none"
                return LineError(line=None, message=f"unknown shop {shown(event.shop)} (the rules hold: {known})")
            return event.shop
        if len(self.shops) == 1:
            return next(iter(self.shops))
        return LineError(
            line=None, message=f'the rules hold several shops ({", ".join(sorted(self.shops))}): the event needs "shop"'
        )

    def play(self, event: Event, line: int | None = None, raw: str | None = None) -> list[Step] | LineError:
        """The steps this event makes (a clock tick first when an hour has passed), or why it cannot.
        `raw` is the line the event was read from: kept on its step, unless its time had no offset
        (then the step holds the time as read in the shop's zone, and the store serialises it).

        Every action carries the event's number in the stream as `event`: its input line when it was
        read from one, else one more than the last (a tick kefu adds takes the number of the event
        whose arrival let the clock pass)."""
        shop_id = self.shop_of(event)
        if isinstance(shop_id, LineError):
            return shop_id.model_copy(update={"line": line})
        shop = self.shops[shop_id]
        now = clock.aware(shop, event.time)
        last = self._last.get(shop_id)
        if last is not None and now < last:
            return LineError(
                line=line,
                message=f"time {now.isoformat()} is before the previous event's "
                f"{last.isoformat()} in shop {shop_id}: events must come in time order",
            )
        self.seq = seq = line if line is not None else self.seq + 1
        steps: list[Step] = []
        swept = self._swept.setdefault(shop_id, now)
        if now - swept >= SWEEP and event.type != "tick":
            steps.append(self._decide(shop_id, Tick(time=now, shop=event.shop), now, None, seq))
        if event.time.tzinfo is None:  # kept with the offset it was read in
            event, raw = event.model_copy(update={"time": now}), None
        steps.append(self._decide(shop_id, event, now, line, seq, raw))
        return steps

    def _decide(
        self, shop_id: str, event: Event, now: dt.datetime, line: int | None, seq: int, raw: str | None = None
    ) -> Step:
        rules = self.rules(shop_id)
        state = self.states.get(shop_id) or State.initial(rules.shop)
        outcome = decide(state, event, rules, now, seq, self.explain)
        self.states[shop_id] = outcome.state
        self._last[shop_id] = now
        if event.type == "tick":
            self._swept[shop_id] = now
        return Step(shop_id, event, outcome.actions, line, raw)


def fit_staff(state: State, shop: Shop, before: Shop | None = None) -> State:
    """A shop's live state under its new staff list: a member added joins offline (as at the start);
    a member removed leaves, and the conversations it held lose their agent (they stay in the inbox,
    unassigned, and go to the next agent with room as any waiting conversation does); a member kept
    takes its new role and capacity, and its own auto-send follows the new rules only where it was
    still as `before` (the old rules) set it, so a switch flipped while playing stays flipped."""
    staff = {member.name: member for member in shop.staff}
    agents = state.agents
    same = agents.keys() == staff.keys() and all(
        (agent.role, agent.capacity) == (staff[name].role, staff[name].capacity) for name, agent in agents.items()
    )
    if same and (before is None or before.staff == shop.staff):
        return state
    was = {member.name: member for member in before.staff} if before is not None else {}
    fitted: dict[str, Agent] = {}
    for name, member in staff.items():
        agent = agents.get(name)
        if agent is None:
            fitted[name] = Agent(name=name, role=member.role, capacity=member.capacity, auto_send=member.auto_send)
            continue
        own = agent.auto_send
        if name in was and own == was[name].auto_send:
            own = member.auto_send
        fitted[name] = replace(agent, {"role": member.role, "capacity": member.capacity, "auto_send": own})
    gone = agents.keys() - staff.keys()
    if not gone:
        return replace(state, {"agents": fitted})
    conversations = state.conversations
    for conversation in state.conversations.values():
        if conversation.agent in gone:
            conversations = conversations.set(conversation.id, replace(conversation, {"agent": None}))
    loads = {name: load for name, load in state.loads.items() if name not in gone}
    return replace(state, {"agents": fitted, "conversations": conversations, "loads": loads})


def _same(shop: Shop, before: Shop | None) -> bool:
    return shop is before or shop == before  # the same object first: comparing 10k entries takes a while


def recompile(shop: Shop, before: CompiledShop | None) -> CompiledShop:
    """The shop compiled, reusing the matcher of `before` (its compiled rules until now) when what the
    matcher reads is unchanged: each entry's id, title, asks, keywords and `auto`, in order, and the
    synonyms. An edit of a reply, a setting or the staff then costs no matcher build (seconds for a
    10k-entry shop); the replies are read from the new shop (`CompiledShop.entries`)."""
    if before is not None and _matcher_input(before.shop) == _matcher_input(shop):
        return CompiledShop(shop, before.matcher)
    return CompiledShop(shop)


def _matcher_input(shop: Shop) -> tuple[object, ...]:
    entries = tuple((e.id, e.title, tuple(a.text for a in e.asks), e.keywords, e.auto) for e in shop.entries)
    return entries, tuple(group.terms for group in shop.synonyms)
