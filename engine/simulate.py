"""A stream of events through `decide` for one or more shops: the decisions of `engine.loop`.

The simulation holds each shop's state and compiled rules, routes every event to its shop, refuses
an event whose time runs backwards, and lets the clock pass: when an hour or more has gone by since
the last sweep, a `tick` is decided first (at the event's time), so idle sessions close (D-1) and the
live state stays the size of the live inbox however long the stream is. The tick is a step of its
own (with no input line), so replaying the stored events gives the same actions.
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
from kefu.engine.inbox import State
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
        """Back to where `snapshot` was taken: the events played since are undone."""
        self.states, self._last, self._swept = dict(snapshot.states), dict(snapshot.last), dict(snapshot.swept)
        self.seq = snapshot.seq

    def is_compiled(self, shop_id: str) -> bool:
        return shop_id in self._rules

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
