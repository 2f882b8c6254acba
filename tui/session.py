"""A session of the terminal UI, without the UI: a virtual clock, the people of the shop acting on it,
and a tape of recorded events to step through.

Every action goes through the engine's run loop (`engine.loop.EngineLoop`: decide, then the store),
exactly as `kefu simulate` plays a file, so what the screen shows is what `kefu simulate` prints for
the same events; the session is recorded in the store as one run, event by event, so it survives a
crash and `kefu simulate` replays it to the same actions. The Textual app (`tui.app`) only draws a
session and turns keys into calls here; tests drive it directly.

Time travel: `back` undoes the last event (the engine's state comes back from a snapshot, the
transcripts undo their change) and puts it at the head of the tape, `forward` plays the tape's next
event. Acting while the tape still holds events would make them run backwards in time: the caller
drops the tape first (`drop_tape`). Acting after stepping back starts a new run in the store that
holds exactly what is now played, so a run is always a stream `kefu simulate` can replay.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from kefu.engine import clock
from kefu.engine.clock import zone
from kefu.engine.decide import CompiledShop, decide
from kefu.engine.events import Action, Event, Step
from kefu.engine.inbox import State, Switches
from kefu.engine.loop import EngineLoop
from kefu.engine.rules import Role, Shop
from kefu.engine.simulate import Simulation, Snapshot
from kefu.engine.timetable import Timetable
from kefu.tui.transcript import Transcripts

if TYPE_CHECKING:  # sqlite-utils is imported by whoever opens the store (after the first frame in the app)
    from kefu.engine.store import Store

EVENT: TypeAdapter[Event] = TypeAdapter(Event)
HOUR = dt.timedelta(hours=1)


class Refused(Exception):
    """The session cannot do that now; the message says why (one line, for the status bar)."""


@dataclass(frozen=True, slots=True)
class Played:
    """One event played: its number, the steps it made (a tick kefu added first, if any)."""

    seq: int
    event: Event
    steps: tuple[Step, ...]
    before: Snapshot  # the simulation before it, to step back


class Session:
    """The shops of one rules load played on one virtual clock."""

    def __init__(
        self,
        shops: Sequence[Shop],
        start: dt.datetime,
        store: Store | None = None,
        source: str = "kefu tui",
        rules: str = "",
        explain: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        compile: Callable[[Shop], CompiledShop] = CompiledShop,
    ) -> None:
        if not shops:
            raise Refused("the rules hold no shop")
        if start.tzinfo is None:
            raise ValueError("the session's start needs an offset")
        self.shops = {shop.id: shop for shop in shops}
        self.shop_id = shops[0].id
        self.now = start
        self.store = store
        self.source, self.rules_path = source, rules
        self.simulation = Simulation(self.shops, compile, explain=explain)
        self.loop = EngineLoop(self.simulation, monotonic, store, self._start_run())
        self.played: list[Played] = []
        self.tape: list[Event] = []  # recorded events not played yet, next first
        self.books = {shop_id: Transcripts() for shop_id in self.shops}  # each shop's conversations
        self._forked = False  # stepped back since the run's last event: the next play starts a new run
        self._swept = start
        self._timetables: dict[str, Timetable] = {}

    # -- where things stand ----------------------------------------------------------------------

    @property
    def shop(self) -> Shop:
        return self.shops[self.shop_id]

    @property
    def transcripts(self) -> Transcripts:
        """The current shop's conversations as the UI shows them."""
        return self.books[self.shop_id]

    @property
    def state(self) -> State:
        """The current shop's live state (everyone offline before its first event)."""
        return self.simulation.states.get(self.shop_id) or State.initial(self.shop)

    def local(self) -> dt.datetime:
        """The clock on the current shop's wall."""
        return self.now.astimezone(zone(self.shop.timezone))

    def switches(self) -> Switches:
        """The current shop's switches in force now (flipped at run time, or as the rules say)."""
        return Switches.of(self.state.settings, self.timetable().policy_at(self.local()))

    def timetable(self) -> Timetable:
        """The current shop's calendar (without building its matcher)."""
        if self.shop_id not in self._timetables:
            self._timetables[self.shop_id] = Timetable.of(self.shop)
        return self._timetables[self.shop_id]

    def compiled(self) -> bool:
        """Whether every shop's matcher is built."""
        return all(self.simulation.is_compiled(shop_id) for shop_id in self.shops)

    def compile(self) -> None:
        """Build every shop's matcher now, not on the first message."""
        for shop_id in self.shops:
            self.simulation.rules(shop_id)

    def warm_meaning(self) -> None:
        """The meaning check's background of every shop built so far, measured now rather than at its
        first guess about to be auto-sent (engine.meaning: 10-90 ms for a shop of the eval sets' size,
        up to about 2 s for 64 entries of 32 very long asks; the model loaded first). Raises
        MeaningUnavailable if the model cannot be loaded."""
        for shop_id in self.shops:
            compiled = self.simulation.compiled(shop_id)
            if compiled is not None:
                compiled.matcher.meaning.background()

    def switch_shop(self, shop_id: str) -> None:
        """KB-1: the merchant's other shop, on the same clock."""
        if shop_id not in self.shops:
            raise Refused(f"no shop '{shop_id}' in these rules; shops: {', '.join(self.shops)}")
        self.shop_id = shop_id

    def reload(self, shops: Sequence[Shop], compiled: Mapping[str, CompiledShop] | None = None) -> None:
        """New rules from the next event on (tui/reload.py calls it when a rule file is saved): every
        live conversation carries on, its transcript untouched, and the store's run goes on. A shop
        gone from the rules leaves with its conversations (the screen moves to the first shop left);
        a new one starts with everyone offline. `compiled` are shops compiled beforehand."""
        if not shops:
            raise Refused("the rules hold no shop")
        self.shops = {shop.id: shop for shop in shops}
        self.simulation.reload(self.shops, compiled)
        self.books = {i: self.books[i] if i in self.books else Transcripts() for i in self.shops}
        if self.shop_id not in self.shops:
            self.shop_id = shops[0].id
        if self.store is not None:
            self.store.record_shops(self.loop.run, [(shop.id, shop.name, shop.timezone) for shop in shops])

    def staff(self, role: Role | None = None) -> list[str]:
        return [m.name for m in self.shop.staff if role is None or m.role == role]

    # -- the clock -------------------------------------------------------------------------------

    def advance(self, delta: dt.timedelta) -> None:
        """Let time pass; every hour passed lets the engine close idle sessions (a `tick`, D-1)."""
        if delta < dt.timedelta(0):
            raise Refused("the clock only runs forward; step back through the events instead")
        self.now = self.now + delta
        if self.now - self._swept >= HOUR:
            self.play({"type": "tick"})

    def jump(self, to: dt.datetime) -> None:
        """Move the clock to `to` (on the shop's wall clock when it has no offset)."""
        target = clock.aware(self.shop, to)
        if target < self.now:
            raise Refused(f"{target:%Y-%m-%d %H:%M} is in the past; the clock only runs forward")
        self.advance(target - self.now)

    # -- playing events --------------------------------------------------------------------------

    def play(self, fields: dict[str, Any]) -> Played:
        """One event of the current shop, now: `fields` as in docs/events.md, without `time`/`shop`."""
        if self.tape:
            raise Refused("recorded events are still ahead: play them, or drop them to act now")
        return self._play(self._now(fields))

    def preview(self, fields: dict[str, Any]) -> tuple[Action, ...]:
        """What the event would do now, without playing it: `decide` is pure, so the agent's
        suggestions can follow every key it types while only the words it settles on are recorded."""
        event = self._now(fields)
        rules = self.simulation.rules(self.shop_id)
        return decide(self.state, event, rules, self.now, self.simulation.seq + 1, self.simulation.explain).actions

    def _now(self, fields: dict[str, Any]) -> Event:
        """An event of the current shop at the clock's time."""
        return EVENT.validate_python({**fields, "time": self.now, "shop": self.shop_id})

    def _play(self, event: Event) -> Played:
        if self._forked:
            self._fork()
        before = self.simulation.snapshot()
        fed = self.loop.feed(event, more=False)
        if fed.error is not None:
            raise Refused(fed.error.message)
        steps = fed.committed.steps
        seq = self.simulation.seq
        self.books[steps[-1].shop].add(steps, seq)
        played = Played(seq, event, steps, before)
        self.played.append(played)
        if event.type == "tick" or any(step.event.type == "tick" for step in steps):
            self._swept = event.time
        return played

    def record_in(self, store: Store) -> None:
        """Record the session in `store` from now on, as a run holding every event played so far (a
        store opened after the session started, as the app does once its first frame is drawn)."""
        if self.store is not None:
            raise Refused("the session is recorded already")
        self.store = self.loop.store = store
        self.loop.run = self._start_run()
        steps = [step for played in self.played for step in played.steps]
        if steps:
            store.append(self.loop.run, steps)

    def _start_run(self) -> int:
        if self.store is None:
            return 0
        shops = [(shop.id, shop.name, shop.timezone) for shop in self.shops.values()]
        return self.store.start_run(source=self.source, rules=self.rules_path, shops=shops)

    def _fork(self) -> None:
        """After stepping back: a new run holding exactly the events played now."""
        self._forked = False
        if self.store is None:
            return
        self.loop.run = self._start_run()
        self.store.append(self.loop.run, [step for played in self.played for step in played.steps])

    # -- the tape: replay and time travel --------------------------------------------------------

    def load_tape(self, events: Sequence[Event]) -> None:
        """Recorded events to step through, paused before the first (the clock moves to its time)."""
        if self.played:
            raise Refused("a tape opens on a new session")
        self.tape = list(events)
        if self.tape:
            self.now = self._swept = self._aware(self.tape[0])

    def forward(self) -> Played | None:
        """Play the tape's next event; None at its end."""
        if not self.tape:
            return None
        event = self.tape[0]
        when = self._aware(event)
        if event.shop is None and len(self.shops) > 1:
            event = event.model_copy(update={"shop": self.shop_id})
        played = self._play(event)
        self.tape.pop(0)
        self.now = max(self.now, when)
        return played

    def back(self) -> Played | None:
        """Undo the last event and put it back at the head of the tape; None at the start."""
        if not self.played:
            return None
        played = self.played.pop()
        self.simulation.restore(played.before)
        book = self.books.get(played.steps[-1].shop)  # None: its shop left at a reload
        if book is not None:
            book.undo()
        self.tape.insert(0, played.event)
        self.now = self._aware(self.played[-1].event if self.played else played.event)
        self._forked = True
        return played

    def seek(self, to: dt.datetime) -> None:
        """Step through the tape until the last event at or before `to` is the last one played."""
        while self.played and self._aware(self.played[-1].event) > to:
            self.back()
        while self.tape and self._aware(self.tape[0]) <= to:
            self.forward()

    def drop_tape(self) -> int:
        """Forget the recorded events not played yet (the file they came from is untouched)."""
        dropped, self.tape = len(self.tape), []
        return dropped

    def _aware(self, event: Event) -> dt.datetime:
        """The event's time with an offset: its own, or its shop's (a recording may leave it out)."""
        return clock.aware(self.shops[event.shop or self.shop_id], event.time)

    def close(self) -> None:
        """Commit what is pending and close the store."""
        self.loop.close()

    # -- what the people of the shop do -------------------------------------------------------------

    def customer_says(self, conversation: str, text: str, customer: str | None = None) -> Played:
        fields: dict[str, Any] = {"type": "customer_message", "conversation": conversation, "text": text}
        if customer is not None:
            fields["customer"] = customer
        return self.play(fields)

    def rate(
        self,
        conversation: str,
        solved: bool,
        reason: str | None = None,
        text: str | None = None,
        answer: int | None = None,
    ) -> Played:
        fields: dict[str, Any] = {"type": "customer_rating", "conversation": conversation, "solved": solved}
        fields |= {k: v for k, v in (("reason", reason), ("text", text), ("answer", answer)) if v is not None}
        return self.play(fields)

    def agent(self, kind: str, agent: str, **fields: Any) -> Played:
        """An agent event: online, offline, open, leave, types, message, send_suggestion."""
        return self.play({"type": f"agent_{kind}", "agent": agent, **fields})

    def set(self, actor: str, setting: str, value: str) -> Played:
        """AR-1, BOT-1: a shop-wide switch, by whoever is acting (the engine refuses an agent)."""
        return self.play({"type": "setting_change", "actor": actor, "setting": setting, "value": value})

    def own_auto_send(self, actor: str, agent: str, value: bool) -> Played:
        """AR-8: an agent's own auto-send."""
        return self.play({"type": "agent_auto_send", "actor": actor, "agent": agent, "value": value})

    # -- the recording -----------------------------------------------------------------------------

    def events_jsonl(self) -> str:
        """The session as JSON Lines: `kefu simulate` replays it to the same actions."""
        lines = [played.event.model_dump_json(exclude_none=True) for played in self.played]
        return "\n".join(lines) + ("\n" if lines else "")
