"""The store: append-only history in SQLite, safe under a crash and under two writers at once."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.engine.events import Changed, CustomerMessage, Denied, Kind, Rated, Reason, Send, Sender, Step, Tick
from kefu.engine.store import SCHEMA_VERSION, Store, StoreError, default_path, utc_text
from tests.conftest import RULES

KEFU = Path(sys.executable).parent / "kefu"
TAIPEI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 11, 25, 14, 0, tzinfo=TAIPEI)
RECORDED = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def fixed_clock() -> dt.datetime:
    return RECORDED


def message(minute: int, conversation: str = "c1", text: str = "有免運嗎?") -> CustomerMessage:
    return CustomerMessage(time=T0 + dt.timedelta(minutes=minute), conversation=conversation, text=text)


def answer(minute: int, conversation: str = "c1") -> Send:
    return Send(
        time=T0 + dt.timedelta(minutes=minute),
        shop="tw",
        conversation=conversation,
        sender=Sender.bot,
        kind=Kind.answer,
        text="您好",
        entry="shipping.free",
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store.open(tmp_path / "kefu.db", clock=fixed_clock)
    yield opened
    opened.close()


def test_a_new_file_is_created_with_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "kefu.db"
    with Store.open(path) as store:
        assert store.version() == SCHEMA_VERSION
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert path.is_file()


def test_reopening_keeps_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    with Store.open(path) as store:
        run = store.start_run("a.jsonl", "rules/")
        store.append(run, [Step(shop="tw", event=message(0), actions=(answer(0),), line=1)])
    with Store.open(path) as store:
        (stored,) = list(store.steps())
        assert stored.event == message(0) and stored.actions == (answer(0),) and stored.run == run


def test_steps_come_back_in_order_with_their_actions(store: Store) -> None:
    run = store.start_run("a.jsonl", "rules/")
    steps = [
        Step(shop="tw", event=message(i, f"c{i % 3}"), actions=(answer(i, f"c{i % 3}"),) * (i % 3), line=i + 1)
        for i in range(50)
    ]
    store.append(run, steps[:20])
    store.append(run, steps[20:])
    back = list(store.steps())
    assert [(s.event, s.actions) for s in back] == [(s.event, s.actions) for s in steps]
    assert [s.shop for s in store.steps(shop="sg")] == []


def test_timestamps_come_from_the_injected_clock_never_from_sql(store: Store) -> None:
    run = store.start_run("a.jsonl", "rules/")
    store.append(run, [Step(shop="tw", event=message(0), line=1)])
    recorded = store.db.execute("SELECT recorded FROM events").fetchone()[0]
    assert recorded == utc_text(RECORDED)
    assert store.runs()[0].started == RECORDED
    schema = " ".join(row[0] for row in store.db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
    assert "CURRENT_TIMESTAMP" not in schema.upper() and "DEFAULT" not in schema.upper()


def test_times_are_stored_in_utc_so_text_order_is_time_order(store: Store) -> None:
    run = store.start_run("a.jsonl", "rules/")
    berlin = dt.timezone(dt.timedelta(hours=1))
    early_in_berlin = CustomerMessage(time=dt.datetime(2026, 11, 25, 7, 30, tzinfo=berlin), conversation="x", text="hi")
    store.append(run, [Step(shop="tw", event=message(0)), Step(shop="tw", event=early_in_berlin)])
    utc = [row[0] for row in store.db.execute("SELECT utc FROM events ORDER BY utc")]
    assert utc == ["2026-11-25T06:00:00.000000Z", "2026-11-25T06:30:00.000000Z"]


def test_a_failed_write_leaves_nothing_half_written(store: Store) -> None:
    run = store.start_run("a.jsonl", "rules/")
    naive = CustomerMessage(time=dt.datetime(2026, 11, 25, 14, 0), conversation="x", text="hi")
    with pytest.raises(ValueError):
        store.append(run, [Step(shop="tw", event=message(0)), Step(shop="tw", event=naive)])
    assert store.count("events") == 0 and store.count("actions") == 0


def test_conversations_ratings_and_audit_are_kept_apart(store: Store) -> None:
    run = store.start_run("a.jsonl", "rules/")
    rated = Rated(
        time=T0,
        shop="tw",
        conversation="c1",
        solved=False,
        reason=Reason.off_topic,
        text="答非所問",
        sender=Sender.bot,
        entry="shipping.free",
    )
    changed = Changed(time=T0, shop="tw", actor="mia", setting="bot", before="on", after="off")
    denied = Denied(time=T0, shop="tw", actor="amy", setting="bot", value="off", reason="only the owner or an admin")
    store.append(
        run,
        [
            Step(shop="tw", event=message(0), actions=(answer(0),)),
            Step(shop="tw", event=message(5)),
            Step(shop="tw", event=Tick(time=T0), actions=(rated, changed, denied)),
        ],
    )
    assert store.db.execute("SELECT id, messages, first < last FROM conversations").fetchall() == [("c1", 2, 1)]
    assert store.db.execute("SELECT solved, reason, text, sender FROM ratings").fetchall() == [
        (0, "off_topic", "答非所問", "bot")
    ]
    audit = store.audit()
    assert [(a.actor, a.outcome, a.before, a.after, a.value) for a in audit] == [
        ("mia", "changed", "on", "off", None),
        ("amy", "denied", None, None, "off"),
    ]
    assert audit[1].reason == "only the owner or an admin" and audit[0].recorded == RECORDED


def test_a_file_that_is_not_a_database_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 100)
    with pytest.raises(StoreError, match=r"notes.db: not a kefu database"):
        Store.open(path)


def test_a_database_from_a_newer_kefu_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="written by a newer kefu"):
        Store.open(path)


def test_the_default_database_lives_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEFU_DB")
    path = default_path()
    assert path.name == "kefu.db" and "kefu" in path.parent.parts[-1].lower()
    monkeypatch.setenv("KEFU_DB", "/tmp/elsewhere.db")
    assert default_path() == Path("/tmp/elsewhere.db")


# -- crashes and concurrency (real processes) ---------------------------------------------------


def stream(path: Path, events: int, prefix: str) -> Path:
    """A long, cheap stream for the demo shop tw: agents come and go, customers write, clock ticks."""
    start = dt.datetime(2026, 11, 25, 14, 0)
    lines = []
    for i in range(events):
        time_ = (start + dt.timedelta(seconds=i)).isoformat()
        kind = i % 4
        if kind == 0:
            line = {"type": "agent_online", "time": time_, "agent": "bob"}
        elif kind == 1:
            line = {"type": "customer_message", "time": time_, "conversation": f"{prefix}{i % 97}", "text": "有免運嗎?"}
        elif kind == 2:
            line = {"type": "agent_offline", "time": time_, "agent": "bob"}
        else:
            line = {"type": "setting_change", "time": time_, "actor": "amy", "setting": "bot", "value": "on"}
        lines.append(json.dumps(line, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def simulate(events: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(KEFU), "simulate", str(RULES / "shops" / "tw"), "--events", str(events), "--db", str(db), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_in_the_middle_loses_no_printed_action_and_the_file_stays_sound(tmp_path: Path) -> None:
    db = tmp_path / "kefu.db"
    process = simulate(stream(tmp_path / "long.jsonl", 200_000, "k"), db)
    assert process.stdout is not None
    printed: list[bytes] = []
    while len(printed) < 3000:
        line = process.stdout.readline()
        assert line, process.stderr.read().decode() if process.stderr else "no output"
        printed.append(line)
    os.kill(process.pid, signal.SIGKILL)
    rest = process.stdout.read()  # what was printed before the kill, through the same buffer
    process.wait()
    printed.extend(line for line in rest.splitlines(keepends=True) if line.endswith(b"\n"))
    assert process.returncode == -signal.SIGKILL
    with Store.open(db) as store:
        assert store.integrity() == "ok"
        stored = store.action_bodies()
        assert 3000 <= len(printed) <= len(stored) < 400_000  # killed before the end
        assert [line.decode().strip() for line in printed] == stored[: len(printed)]


def test_two_processes_writing_one_database_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kefu.db"
    Store.open(db).close()  # created up front, as the UI would have
    first = simulate(stream(tmp_path / "a.jsonl", 6000, "a"), db)
    second = simulate(stream(tmp_path / "b.jsonl", 6000, "b"), db)
    outputs = [process.communicate() for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], [err.decode() for _, err in outputs]
    with Store.open(db) as store:
        assert store.integrity() == "ok"
        runs = store.runs()
        assert len(runs) == 2
        for run in runs:
            lines = store.db.execute(
                "SELECT count(*) FROM events WHERE run = ? AND line IS NOT NULL", [run.id]
            ).fetchone()[0]
            assert lines == 6000
        printed = sorted(line for out, _ in outputs for line in out.decode().splitlines())
        assert printed == sorted(store.action_bodies())


def test_a_read_a_writer_changed_meanwhile_is_read_again_through_the_writers_files(tmp_path: Path) -> None:
    """An immutable read takes no lock: when a writer comes and checkpoints into the file while it
    reads, what it read may be torn, so it is read again the shared read-only way."""
    path = tmp_path / "kefu.db"
    with Store.open(path) as store:
        store.append(store.start_run("a.jsonl", "rules/"), [Step(shop="tw", event=message(0), line=1)])
    seen: list[tuple[bool, int]] = []

    def read(reader: Store) -> int:
        seen.append((reader.unchanged(), reader.count("events")))
        if len(seen) == 1:
            with Store.open(path) as writer:  # its close checkpoints into the file
                writer.append(writer.start_run("b.jsonl", "rules/"), [Step(shop="tw", event=message(1), line=1)])
        return reader.count("events")

    assert Store.reading(path, read) == 2
    assert seen == [(True, 1), (True, 2)]


def test_a_read_that_fails_on_a_file_left_as_it_was_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    Store.open(path).close()

    def read(reader: Store) -> int:
        raise sqlite3.DatabaseError("database disk image is malformed")

    with pytest.raises(StoreError, match=r"kefu.db: kefu cannot read it \(database disk image is malformed\)"):
        Store.reading(path, read)


def test_a_writing_command_never_adds_kefus_tables_to_another_programs_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"notes.sqlite: not a kefu database \(an SQLite database with other tables"):
        Store.open(path)
    assert path.read_bytes() == before
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    Store.open(empty).close()  # an empty file is where a writing command may start a database
    assert Store.read(empty).version() == SCHEMA_VERSION


def test_held_counts_the_events_of_each_shop_in_each_run(store: Store) -> None:
    first = store.start_run("a.jsonl", "rules/")
    store.append(first, [Step(shop="tw", event=message(0), line=1), Step(shop="sg", event=message(1), line=2)])
    second = store.start_run("b.jsonl", "rules/")
    store.append(second, [Step(shop="tw", event=message(2), line=1)])
    assert [(h.run, h.shop, h.events) for h in store.held()] == [(first, "sg", 1), (first, "tw", 1), (second, "tw", 1)]
    assert [len(list(store.steps(runs=runs))) for runs in ([first], [second], [first, second], [])] == [2, 1, 3, 0]


def test_a_read_during_which_a_writer_came_and_stays_is_read_again_and_sees_its_commits(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    with Store.open(path) as store:
        store.append(store.start_run("a.jsonl", "rules/"), [Step(shop="tw", event=message(0), line=1)])
    writers: list[Store] = []

    def read(reader: Store) -> int:
        if not writers:
            writers.append(Store.open(path))  # still open when the read ends: nothing checkpointed yet
            writers[0].append(writers[0].start_run("b.jsonl", "rules/"), [Step(shop="tw", event=message(1), line=1)])
        return reader.count("events")

    try:
        assert Store.reading(path, read) == 2
    finally:
        writers[0].close()
