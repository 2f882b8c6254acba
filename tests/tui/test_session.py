"""The terminal UI's session without the screen: the clock, time travel through a tape, the store's run,
and the session as events that `kefu simulate` replays to the same actions."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import pytest

from kefu.dsl.load import load
from kefu.engine.clock import zone
from kefu.engine.decide import CompiledShop
from kefu.engine.meaning import Meaning
from kefu.engine.rules import Shop
from kefu.engine.store import Store
from kefu.tui.app import parse_when
from kefu.tui.session import EVENT, Refused, Session
from tests.conftest import RULES
from tests.tui.test_cli import run

TAIPEI = zone("Asia/Taipei")
NIGHT = dt.datetime(2026, 11, 24, 23, 30, tzinfo=TAIPEI)
SHIPPING = "請問有免運嗎?"
UNKNOWN = "我想訂做一件客製化的外套"


@functools.cache
def tw() -> Shop:
    shop = load([RULES / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    return shop


@functools.cache
def compiled(shop: Shop) -> CompiledShop:
    return CompiledShop(shop)


def session(store: Store | None = None) -> Session:
    return Session([tw()], NIGHT, store, compile=compiled)


def actions(played_session: Session) -> list[str]:
    return [a.model_dump_json(exclude_none=True) for p in played_session.played for s in p.steps for a in s.actions]


def test_the_session_saved_as_events_replays_to_the_same_actions_in_kefu_simulate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = session()
    live.customer_says("c1", SHIPPING, "王小明")
    live.rate("c1", True, answer=1)
    live.advance(dt.timedelta(minutes=5))
    live.customer_says("c1", UNKNOWN)
    live.advance(dt.timedelta(hours=10))
    live.agent("online", "amy")
    live.agent("message", "amy", conversation="c1", text="您好,目前沒有提供客製化服務")
    recording = tmp_path / "session.jsonl"
    recording.write_text(live.events_jsonl(), encoding="utf-8")
    code, out, _ = run(
        capsys, "simulate", str(RULES / "shops" / "tw"), "--events", str(recording), "--no-db", "--json", "--explain"
    )
    assert code == 0
    assert out.splitlines() == actions(live)


def test_an_hour_on_the_clock_lets_idle_sessions_close() -> None:
    """D-1: a session closes 24 hours after its last message, as the clock runs without events."""
    live = session()
    live.customer_says("c1", SHIPPING)
    for _ in range(25):
        live.advance(dt.timedelta(hours=1))
    closed = [a for p in live.played for s in p.steps for a in s.actions if a.type == "session_closed"]
    assert [a.conversation for a in closed] == ["c1"]  # type: ignore[union-attr]


def test_the_clock_never_runs_backwards() -> None:
    live = session()
    with pytest.raises(Refused, match="only runs forward"):
        live.jump(NIGHT - dt.timedelta(minutes=1))


def test_back_and_forward_restore_the_engine_and_the_transcripts_exactly() -> None:
    live = session()
    live.customer_says("c1", SHIPPING)
    after_one = (live.state, list(live.transcripts.of("c1")))
    live.customer_says("c1", UNKNOWN)
    live.rate("c1", False, "off_topic", answer=1)
    assert live.back() is not None and live.back() is not None
    assert (live.state, list(live.transcripts.of("c1"))) == after_one
    assert [event.type for event in live.tape] == ["customer_message", "customer_rating"]
    live.forward()
    live.forward()
    assert live.transcripts.of("c1")[2].rated is not None  # the rating under the first answer again


def test_the_inbox_order_is_the_order_of_the_last_lines_and_steps_back_with_them() -> None:
    """Newest activity first (AR-5's inbox), kept as lines are added, and restored by stepping back."""
    live = session()
    for conversation in ("c1", "c2", "c3"):
        live.customer_says(conversation, SHIPPING)
    assert list(live.transcripts.newest_first()) == ["c3", "c2", "c1"]
    live.customer_says("c1", UNKNOWN)
    assert list(live.transcripts.newest_first()) == ["c1", "c3", "c2"]
    live.back()
    assert list(live.transcripts.newest_first()) == ["c3", "c2", "c1"]
    live.back()
    assert list(live.transcripts.newest_first()) == ["c2", "c1"]
    live.forward()
    live.forward()
    assert list(live.transcripts.newest_first()) == ["c1", "c3", "c2"]


def test_acting_with_recorded_events_ahead_is_refused_until_they_are_dropped() -> None:
    live = session()
    live.load_tape(
        [EVENT.validate_python({"type": "customer_message", "time": NIGHT, "conversation": "c9", "text": "hi"})]
    )
    with pytest.raises(Refused, match="recorded events are still ahead"):
        live.customer_says("c1", SHIPPING)
    assert live.drop_tape() == 1
    live.customer_says("c1", SHIPPING)


def test_acting_after_stepping_back_records_a_new_run_of_exactly_what_is_played(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "kefu.db")
    live = session(store)
    live.customer_says("c1", SHIPPING)
    live.customer_says("c1", UNKNOWN)
    live.back()
    live.drop_tape()
    live.customer_says("c1", "謝謝")
    live.close()
    reader = Store.read(tmp_path / "kefu.db")
    runs = reader.runs()
    assert [run.events for run in runs] == [2, 2]
    texts = [json.loads(s.event.model_dump_json()).get("text") for s in reader.steps(run=runs[-1].id)]
    assert texts == [SHIPPING, "謝謝"]


def test_seek_moves_the_tape_to_a_time() -> None:
    live = session()
    events = [
        {"type": "customer_message", "time": NIGHT + dt.timedelta(minutes=m), "conversation": f"c{m}", "text": "hi"}
        for m in (0, 10, 20)
    ]
    live.load_tape([EVENT.validate_python(e) for e in events])
    live.seek(NIGHT + dt.timedelta(minutes=15))
    assert (len(live.played), len(live.tape)) == (2, 1)
    live.seek(NIGHT)
    assert (len(live.played), len(live.tape)) == (1, 2)


def test_clock_targets_are_read_like_a_person_writes_them() -> None:
    now = dt.datetime(2026, 11, 25, 14, 0, tzinfo=TAIPEI)
    assert parse_when("23:30", now) == now.replace(hour=23, minute=30)
    assert parse_when("9:05", now) == now.replace(day=26, hour=9, minute=5)  # passed today: tomorrow
    assert parse_when("+2h", now) == now + dt.timedelta(hours=2)
    assert parse_when("2026-12-25 10:00", now) == dt.datetime(2026, 12, 25, 10, 0, tzinfo=TAIPEI)
    with pytest.raises(ValueError, match="cannot read 'soon'"):
        parse_when("soon", now)


def test_seek_reads_a_recording_without_offsets_on_the_shops_clock() -> None:
    """A `kefu simulate` input may leave the offset out: its times are the shop's wall clock."""
    live = session()
    events = [
        {"type": "customer_message", "time": f"2026-11-24T23:{minute}", "conversation": f"c{minute}", "text": "hi"}
        for minute in ("30", "40", "50")
    ]
    live.load_tape([EVENT.validate_python(e) for e in events])
    assert live.now == NIGHT
    live.seek(NIGHT + dt.timedelta(minutes=15))
    assert (len(live.played), len(live.tape)) == (2, 1)
    live.seek(NIGHT + dt.timedelta(minutes=5))
    assert (len(live.played), len(live.tape)) == (1, 2)


def test_warming_the_meaning_check_measures_each_built_shops_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kefu tui` measures the meaning check's background of every built shop as it starts, not at a
    customer's first guess about to be auto-sent; a shop not built yet is left for later."""
    measured: list[int] = []
    monkeypatch.setattr(Meaning, "background", lambda self: measured.append(id(self)) or 0.1)
    fresh = Session([tw()], NIGHT, None, compile=CompiledShop)
    fresh.warm_meaning()
    assert measured == []  # nothing built yet
    fresh.compile()
    fresh.warm_meaning()
    built = fresh.simulation.compiled("tw")
    assert built is not None and measured == [id(built.matcher.meaning)]
