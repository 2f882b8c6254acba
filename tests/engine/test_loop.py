"""The engine's run loop: decide each event at once, hand steps back only once they are committed.

`kefu simulate` prints what the loop hands back, and `kefu test` plays scenarios through it, so
these properties are what both faces show: an action shown is an action on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kefu.engine.decide import CompiledShop
from kefu.engine.events import Event
from kefu.engine.loop import Committed, EngineLoop
from kefu.engine.simulate import Simulation
from kefu.engine.store import Store
from tests.engine.plays import DAY, EVENTS, SHIPPING, at, online, says


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def loop_for(tw: CompiledShop, store: Store | None = None, **options: Any) -> tuple[EngineLoop, FakeClock]:
    clock = FakeClock()
    simulation = Simulation({tw.shop.id: tw.shop}, compile=lambda _: tw)
    run = store.start_run("test", "rules/") if store is not None else 0
    return EngineLoop(simulation, clock, store, run, **options), clock


def events(*raw: dict[str, Any]) -> list[Event]:
    return EVENTS.validate_python(list(raw))


STREAM = [online(DAY, "bob"), says(at(DAY, 1), SHIPPING), says(at(DAY, 2), "謝謝", "c2"), says(at(DAY, 3), SHIPPING)]


def test_steps_wait_for_their_group_and_come_back_together(tw: CompiledShop) -> None:
    loop, _ = loop_for(tw, batch=3)
    fed = [loop.feed(event, line) for line, event in enumerate(events(*STREAM), start=1)]
    assert [len(f.committed.steps) for f in fed] == [0, 0, 3, 0]
    assert [step.line for step in fed[2].committed.steps] == [1, 2, 3]
    last = loop.close()
    assert [step.line for step in last.steps] == [4] and loop.events == 4
    assert loop.actions == sum(len(s.actions) for f in fed for s in f.committed.steps) + len(last.steps[0].actions)


def test_a_group_commits_when_its_first_event_has_waited_long_enough(tw: CompiledShop) -> None:
    loop, clock = loop_for(tw, group=0.2)
    first, second, third = events(*STREAM[:3])
    assert not loop.feed(first).committed
    clock.now = 0.19
    assert not loop.feed(second).committed
    clock.now = 0.21
    assert len(loop.feed(third).committed.steps) == 3


def test_a_paused_input_commits_at_once(tw: CompiledShop) -> None:
    loop, _ = loop_for(tw)
    (event,) = events(STREAM[0])
    assert len(loop.feed(event, more=False).committed.steps) == 1


def test_an_event_that_cannot_be_played_commits_what_came_before_and_says_why(tw: CompiledShop) -> None:
    loop, _ = loop_for(tw)
    late, early = events(says(at(DAY, 5), SHIPPING), says(at(DAY, 1), SHIPPING))
    assert not loop.feed(late, 1).committed
    fed = loop.feed(early, 2)
    assert [step.line for step in fed.committed.steps] == [1]
    assert fed.error is not None and fed.error.line == 2 and "time order" in fed.error.message
    assert loop.events == 1 and not loop.flush()


def test_committed_lines_are_the_stored_ones_and_the_event_line_is_stored_as_read(
    tw: CompiledShop, tmp_path: Path
) -> None:
    store = Store.open(tmp_path / "kefu.db")
    loop, _ = loop_for(tw, store)
    raw = '{"type": "customer_message", "time": "2026-11-25T14:01:00+08:00", "conversation": "c1", "text": "有免運嗎?"}'
    (event,) = events(json.loads(raw))
    committed = loop.feed(event, 1, raw, more=False).committed
    assert committed.lines is not None and committed.action_lines() == store.action_bodies()
    assert committed.action_lines() == Committed(committed.steps).action_lines()  # as serialised
    assert store.db.execute("SELECT body FROM events").fetchone()[0] == raw
    loop.close()
    with pytest.raises(Exception, match="closed"):
        store.count("events")


def test_an_event_read_without_an_offset_is_stored_with_the_shops(tw: CompiledShop, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "kefu.db")
    loop, _ = loop_for(tw, store)
    raw = '{"type":"agent_online","time":"2026-11-25T14:00:00","agent":"bob"}'
    (event,) = events(json.loads(raw))
    loop.feed(event, 1, raw, more=False)
    body = json.loads(store.db.execute("SELECT body FROM events").fetchone()[0])
    assert body["time"] == "2026-11-25T14:00:00+08:00"
    loop.close()


class Interrupted(Store):
    """A store whose first write is interrupted (Ctrl-C inside the transaction)."""

    interrupted = False

    def append(self, run: int, steps: Any) -> list[tuple[str, ...]]:
        if not self.interrupted:
            self.interrupted = True
            raise KeyboardInterrupt
        return super().append(run, steps)


def test_an_interrupted_commit_keeps_its_steps_pending_and_writes_them_once(tw: CompiledShop, tmp_path: Path) -> None:
    store = Interrupted.open(tmp_path / "kefu.db")
    loop, _ = loop_for(tw, store, batch=2)
    first, second = events(*STREAM[:2])
    loop.feed(first)
    with pytest.raises(KeyboardInterrupt):
        loop.feed(second)
    assert len(loop.flush().steps) == 2 and not loop.flush()
    assert store.count("events") == 2
    loop.close()


def test_the_same_events_make_the_same_actions_in_every_process(tmp_path: Path) -> None:
    """Waiting conversations go to an agent first come, whatever the process's string hashing
    (the live inbox is a hash map: its own order differs from one process to the next)."""
    import os
    import subprocess
    import sys

    from tests.conftest import RULES

    night = [says(f"2026-11-24T23:{minute:02d}", "我想訂做一件客製化的外套", f"w{minute}") for minute in range(40)]
    stream = tmp_path / "night.jsonl"
    stream.write_text("\n".join(json.dumps(e) for e in [*night, online("2026-11-25T09:00", "bob")]) + "\n")
    kefu = Path(sys.executable).parent / "kefu"
    outputs = [
        subprocess.run(
            [str(kefu), "simulate", str(RULES / "shops" / "tw"), "--events", str(stream), "--no-db", "--json"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assigned = [json.loads(line)["conversation"] for line in outputs[0].splitlines() if '"assign"' in line]
    assert assigned == ["w0", "w1", "w2"]  # bob's capacity is 3: the first three to write
    assert outputs[1] == outputs[0]
