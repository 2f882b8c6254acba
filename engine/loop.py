"""The engine's run loop: events in, committed steps out. `kefu simulate`, `kefu test` and the app share it.

Each event fed is decided at once (through a `Simulation`: its shop, time order, the hourly tick);
its steps wait in memory until they are committed to the store together with their neighbours,
and only then are they handed back, so whatever a caller shows is already on disk. A group is
committed when it holds `batch` steps, when its first event has waited `group` seconds, when the
caller says no more input is waiting (a live pipe paused), or on `flush`. The time source is the
caller's (a monotonic-seconds callable): the loop reads no clock, prints nothing and never exits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kefu.engine.events import Event, Step
from kefu.engine.inbox import State
from kefu.engine.simulate import LineError, Simulation

if TYPE_CHECKING:  # the store is the caller's choice: `kefu test` runs without one (nor SQLite)
    from kefu.engine.store import Store

BATCH = 1000  # steps a commit holds at most
GROUP = 0.2  # seconds a decided event may wait for its commit


@dataclass(frozen=True, slots=True)
class Committed:
    """Steps now on disk (or, without a store, decided and released), in the order they were fed.
    `lines` holds each step's actions as the JSON lines the store wrote; None without a store."""

    steps: tuple[Step, ...] = ()
    lines: tuple[tuple[str, ...], ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.steps)

    def action_lines(self) -> list[str]:
        """Every action as one JSON line (docs/events.md): as stored, or serialised here."""
        if self.lines is not None:
            return [line for written in self.lines for line in written]
        return [action.model_dump_json(exclude_none=True) for step in self.steps for action in step.actions]


@dataclass(frozen=True, slots=True)
class Fed:
    """What feeding one event did: the steps it let commit (its own, or a group it closed), and
    why the event itself was not played, if it was not (what came before it is committed then)."""

    committed: Committed
    error: LineError | None = None


class EngineLoop:
    """Decide, group, commit, hand back. Feed events one at a time; `close` when done."""

    def __init__(
        self,
        simulation: Simulation,
        clock: Callable[[], float],
        store: Store | None = None,
        run: int = 0,
        batch: int = BATCH,
        group: float = GROUP,
    ) -> None:
        self.simulation = simulation
        self.store = store
        self.run = run
        self.batch = batch
        self.group = group
        self._clock = clock
        self._pending: list[Step] = []
        self._since = 0.0  # when the oldest pending event was decided
        self.events = 0  # events played so far
        self.actions = 0  # actions decided so far

    def feed(self, event: Event, line: int | None = None, raw: str | None = None, more: bool = True) -> Fed:
        """Decide one event. `line`: its input line number; `raw`: the line as read (stored as the
        event's body instead of serialising it again); `more`: False when no more input is waiting
        now, which commits at once so a live stream never waits for the group to fill."""
        played = self.simulation.play(event, line, raw)
        if isinstance(played, LineError):
            return Fed(self.flush(), played)
        if not self._pending:
            self._since = self._clock()
        self._pending.extend(played)
        self.events += 1
        self.actions += sum(len(step.actions) for step in played)
        if len(self._pending) >= self.batch or not more or self._clock() - self._since >= self.group:
            return Fed(self.flush())
        return Fed(Committed())

    def flush(self) -> Committed:
        """Commit what is pending and hand it back. An interrupt during the write loses nothing:
        the steps stay pending until the store has committed them."""
        if not self._pending:
            return Committed()
        lines = self.store.append(self.run, self._pending) if self.store is not None else None
        steps = tuple(self._pending)
        self._pending.clear()
        return Committed(steps, tuple(lines) if lines is not None else None)

    def close(self) -> Committed:
        """Commit what is pending and close the store (the loop owns it once given)."""
        try:
            return self.flush()
        finally:
            if self.store is not None:
                self.store.close()

    def state(self, shop_id: str) -> State | None:
        """The shop's live state after the last event played (None before its first)."""
        return self.simulation.states.get(shop_id)
