"""Fuzzing the event lines `kefu simulate` reads (issue 10 §2-§3).

Streams of JSON Lines for the demo shop tw are generated: events of every type with extreme values
(times in the years 1 to 9999 with offsets up to ±14 h, empty, huge, control, bidirectional and lone
surrogate texts, staff names and look-alikes, every setting, value and actor, unknown fields, wrong
types, nesting 100,000 deep), mixed with broken lines (cut, bytes inserted, not UTF-8, over 1 MiB,
blank, CRLF, a byte order mark). Each stream is played through what `kefu simulate --db --json`
runs (`read_events`, `Simulation`, `EngineLoop`, `Store`, and the readable lines of `tui.show`),
in this process for speed, and the contract is asserted:

* nothing raises: a line kefu cannot play is a bad line, reported as one short line of text;
* the run stops at the first bad line, and every event before it is in the database;
* every action line printed is in the database, in order, and nothing else is;
* the run is deterministic: the same stream again (without a database this time) prints the same
  action lines, byte for byte.

A few streams also go through the real CLI in a subprocess, under two hash seeds: exit 0 or 1 (never
3), `FILE:LINE: what` on standard error for a bad line, the same action lines as in this process.

Quick by default; `pytest --hypothesis-profile=fuzz` plays 10,000 streams.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import time
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import event as label
from hypothesis import strategies as st

from kefu.dsl.load import load
from kefu.engine.decide import CompiledShop
from kefu.engine.event_lines import read_events
from kefu.engine.loop import EngineLoop
from kefu.engine.rules import SETTING_VALUES, Reason, Setting, Shop
from kefu.engine.simulate import Simulation
from kefu.engine.store import Store
from kefu.tui.show import action_line, event_line
from tests.conftest import RULES

ROOT = Path(__file__).resolve().parents[2]
KEFU = ROOT / ".venv" / "bin" / "kefu"
TW = RULES / "shops" / "tw"

# the autouse fixtures of conftest only set environment variables: the same for every example
PROPERTY = settings(
    suppress_health_check=sorted(
        set(settings.default.suppress_health_check) | {HealthCheck.function_scoped_fixture, HealthCheck.too_slow},
        key=lambda h: h.value,
    ),
)


ZONES = ("Asia/Taipei", "Pacific/Kiritimati", "Etc/GMT+12", "America/New_York", "UTC")


@cache
def tw(zone: str = "Asia/Taipei") -> tuple[Shop, CompiledShop]:
    """The demo shop in a time zone, compiled once for every stream (its matcher is built once)."""
    shop = load([TW]).rules.shop("tw")
    assert shop is not None
    if zone == shop.timezone:
        return shop, CompiledShop(shop)
    moved = shop.model_copy(update={"timezone": zone})
    return moved, CompiledShop(moved, tw()[1].matcher)


# ---------------------------------------------------------------------------------------------
# playing a stream as kefu simulate does


@dataclass(frozen=True)
class Played:
    printed: list[str]  # the action lines (--json)
    readable: list[str]  # the lines without --json
    bad: tuple[int, str] | None  # the first bad line: its number and what is wrong
    stored_lines: list[int]  # input lines of the events in the database
    stored_actions: list[str]


def play(data: bytes, db: Path | None, zone: str = "Asia/Taipei") -> Played:
    shop, compiled = tw(zone)
    store = Store.open(db) if db is not None else None
    run = store.start_run(source="fuzz", rules=str(TW), shops=[(shop.id, shop.name, shop.timezone)]) if store else 0
    loop = EngineLoop(Simulation({shop.id: shop}, compile=lambda _: compiled), time.monotonic, store, run)
    printed: list[str] = []
    readable: list[str] = []

    def show(committed: Any) -> None:
        printed.extend(committed.action_lines())
        for step in committed.steps:
            readable.append(event_line(step.event, step.line))
            readable.extend(action_line(action) for action in step.actions)

    bad: tuple[int, str] | None = None
    for number, parsed, _raw in read_events(io.BytesIO(data)):
        if isinstance(parsed, str):
            problem: str | None = parsed
            show(loop.flush())
        else:
            fed = loop.feed(parsed, number, _raw, more=True)
            show(fed.committed)
            problem = fed.error.message if fed.error is not None else None
        if problem is not None:
            bad = (number, problem)
            break
    show(loop.close())
    if db is None:
        return Played(printed, readable, bad, [], [])
    with sqlite3.connect(db) as conn:
        lines = [row[0] for row in conn.execute("SELECT line FROM events WHERE line IS NOT NULL ORDER BY id")]
        actions = [row[0] for row in conn.execute("SELECT body FROM actions ORDER BY id")]
    return Played(printed, readable, bad, lines, actions)


def nonblank_lines(data: bytes) -> list[int]:
    """The numbers of the lines that hold something (the reader skips blank ones)."""
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    return [number for number, piece in enumerate(pieces, 1) if piece.strip()]


def check_contract(data: bytes, folder: Path, zone: str = "Asia/Taipei") -> Played:
    first = play(data, folder / "a.db", zone)
    if first.bad is not None:
        number, problem = first.bad
        note(f"bad line {number}: {problem}")
        assert problem and problem == problem.strip(), repr(problem)
        assert len(problem) <= 300, f"a bad line is told in a few words, not {len(problem)} characters"
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in problem), repr(problem)
    label("stream: clean" if first.bad is None else f"bad line: {first.bad[1].split(':')[0][:30]}")
    label(f"events stored before the end or the bad line: {_bucket(len(first.stored_lines))}")
    before = [n for n in nonblank_lines(data) if first.bad is None or n < first.bad[0]]
    assert first.stored_lines == before, "every event before the first bad line is stored, in order"
    assert first.printed == first.stored_actions, "what was printed is what was stored"
    again = play(data, None, zone)
    assert again.printed == first.printed, "the same stream gives the same action lines"
    assert again.readable == first.readable
    assert again.bad == first.bad
    return first


def _bucket(count: int) -> str:
    return "0" if count == 0 else "1-4" if count < 5 else "5-14" if count < 15 else "15+"


# ---------------------------------------------------------------------------------------------
# what a stream holds

STAFF = ("mia", "ken", "amy", "bob")
NAMES = STAFF + ("", "zoe", "ｍｉａ", "ken\u200b", "mia ", " bob", "x\x1b[2K\rmia", "MIA", "a\nb", "\udcff", "é" * 300)
SETTINGS = tuple(s.value for s in Setting) + ("", "Bot", "timezone", "bot_when ")
VALUES = tuple(sorted({v for values in SETTING_VALUES.values() for v in values})) + ("", "ON", "yes", "1", "on\n")
TYPES = (
    "customer_message",
    "agent_online",
    "agent_offline",
    "agent_open",
    "agent_leave",
    "agent_types",
    "agent_message",
    "agent_send_suggestion",
    "setting_change",
    "agent_auto_send",
    "customer_rating",
    "tick",
)
KNOWN_TEXTS = ("請問有免運嗎?", "我的訂單現在是什麼狀態?", "我想訂做一件客製化的外套", "滿499有免運嗎", "hi", "")
ENTRIES = ("shipping.free", "order.status", "shipping.fee", "nope", "")
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.just([]),
    st.just({}),
    st.just([1, "x"]),
    st.just({"type": "tick"}),
)


def rarely(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], one_in: int = 30) -> st.SearchStrategy[Any]:
    """Mostly `usual`, about once in `one_in` draws `odd`: most lines of a stream must be playable, or
    every stream stops at its first line. The odd share sits mid-range (Hypothesis likes the ends)."""
    return st.integers(0, one_in - 1).flatmap(lambda n: odd if n == one_in // 2 else usual)


any_text = rarely(
    st.one_of(
        st.sampled_from(KNOWN_TEXTS),
        st.text(max_size=30),
        st.sampled_from(["\x00", "\x1b[31mred", "\u202egnp.exe", "\r\n", "\t", "\ufeff", "\U0010ffff", "x\u0085y"]),
    ),
    st.one_of(
        st.text(st.characters(codec=None, categories=None), max_size=12),  # lone surrogates too
        st.integers(1, 200_000).map(lambda n: "運" * n),
    ),
    one_in=10,
)
conversation = rarely(st.sampled_from(["c1", "c2", "c3", "C1", "c1 ", "會話"]), st.sampled_from(["", "\udcff"]))


def offsets() -> st.SearchStrategy[str]:
    minutes = st.integers(-14 * 60, 14 * 60).map(lambda m: f"{'+-'[m < 0]}{abs(m) // 60:02}:{abs(m) % 60:02}")
    return st.one_of(
        st.just(""), st.just(""), st.just("+08:00"), st.just("Z"), minutes, st.sampled_from(["+23:59", "-23:59"])
    )


@st.composite
def clock(draw: st.DrawFn) -> list[dt.datetime]:
    """A start (mostly near now, sometimes at the ends of the calendar) and steps forward (rarely back)."""
    start = draw(
        st.one_of(
            st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1)),
            st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1)),
            st.datetimes(dt.datetime(2, 1, 1), dt.datetime(2, 1, 3)),
            st.datetimes(dt.datetime(9998, 12, 29), dt.datetime(9998, 12, 31, 23, 59, 59, 999999)),
            rarely(st.datetimes(dt.datetime(2, 1, 1), dt.datetime(9998, 12, 31)), st.datetimes(), one_in=4),
        )
    )
    step = rarely(
        st.one_of(st.integers(0, 600), st.integers(0, 3 * 86_400)),
        st.one_of(st.integers(-3600, -1), st.integers(0, 10**9)),
        one_in=20,
    )
    times, now = [], start
    for seconds in draw(st.lists(step, min_size=1, max_size=25)):
        with contextlib.suppress(OverflowError):  # at the calendar's ends the clock stays
            now = now + dt.timedelta(seconds=seconds)
        times.append(now)
    return times


def time_text(draw: st.DrawFn, instant: dt.datetime) -> Any:
    if draw(rarely(st.just(False), st.just(True), one_in=40)):
        return draw(
            st.sampled_from(
                [instant.date().isoformat(), 1764000000, "", "now", "2026-13-01T00:00", "2026-02-30T10:00", "24:00"]
            )
        )
    sep = draw(st.sampled_from(["T", "T", " "]))
    spec = draw(st.sampled_from(["seconds", "minutes", "microseconds", "milliseconds"]))
    return instant.isoformat(sep=sep, timespec=spec) + draw(offsets())


@st.composite
def event(draw: st.DrawFn, instant: dt.datetime) -> dict[str, Any]:
    kind = draw(rarely(st.sampled_from(TYPES + ("customer_message",) * 4), st.sampled_from(["nope", "", "Tick"])))
    line: dict[str, Any] = {"type": kind, "time": time_text(draw, instant)}
    person = rarely(st.sampled_from(STAFF), st.sampled_from(NAMES), one_in=4)
    if kind in ("customer_message", "agent_open", "agent_leave", "agent_types", "agent_message"):
        line["conversation"] = draw(conversation)
    if kind == "customer_message":
        line["text"] = draw(any_text)
        if draw(st.booleans()):
            line["customer"] = draw(st.one_of(st.sampled_from(["王小明", ""]), any_text))
    elif kind in ("agent_online", "agent_offline", "agent_open", "agent_leave"):
        line["agent"] = draw(person)
    elif kind in ("agent_types", "agent_message"):
        line["agent"], line["text"] = draw(person), draw(any_text)
    elif kind == "agent_send_suggestion":
        line.update(agent=draw(person), conversation=draw(conversation), entry=draw(st.sampled_from(ENTRIES)))
        if draw(st.booleans()):
            line["text"] = draw(any_text)
    elif kind == "setting_change":
        setting = draw(rarely(st.sampled_from(list(Setting)), st.sampled_from(SETTINGS), one_in=8))
        values = SETTING_VALUES.get(setting, VALUES) if isinstance(setting, Setting) else VALUES
        value = draw(rarely(st.sampled_from(values), st.sampled_from(VALUES), one_in=4))
        line.update(actor=draw(person), setting=getattr(setting, "value", setting), value=value)
    elif kind == "agent_auto_send":
        line.update(actor=draw(person), agent=draw(person), value=draw(st.booleans()))
    elif kind == "customer_rating":
        solved = draw(st.booleans())
        line.update(conversation=draw(conversation), solved=solved)
        if not solved or draw(rarely(st.just(False), st.just(True), one_in=10)):
            line["reason"] = draw(rarely(st.sampled_from([r.value for r in Reason]), st.sampled_from(["", "bad"])))
        if draw(st.booleans()):
            line["text"] = draw(any_text)
    if draw(rarely(st.just(False), st.just(True), one_in=15)):  # break it
        how = draw(st.integers(0, 3))
        field = draw(st.sampled_from(sorted(line)))
        if how == 0:
            del line[field]
        elif how == 1:
            line[field] = draw(WRONG)
        elif how == 2:
            line[draw(st.sampled_from(["extra", "v", "shop", "\x1b[2K", "a\nb", field.upper()]))] = draw(
                st.one_of(WRONG, st.sampled_from(["tw", "zz", 1, 2, True, "\x1b[2K\rtw", "z" * 500]))
            )
        else:
            line[field] = NEST(draw(st.sampled_from([10, 1000, 100_000])))
    return line


class NEST:
    """A value nested `depth` deep, written by hand (json.dumps would recurse)."""

    def __init__(self, depth: int) -> None:
        self.depth = depth


def dumps(line: dict[str, Any], ascii_only: bool) -> bytes:
    deep = {k: v for k, v in line.items() if isinstance(v, NEST)}
    plain = {k: ("\x00NEST" if k in deep else v) for k, v in line.items()}
    text = json.dumps(plain, ensure_ascii=ascii_only)
    for value in deep.values():
        text = text.replace('"\\u0000NEST"', "[" * value.depth + "]" * value.depth, 1)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate written raw is not UTF-8


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    lines: list[bytes] = []
    for instant in draw(clock()):
        data = dumps(draw(event(instant)), ascii_only=draw(st.booleans()))
        how = draw(rarely(st.just(-1), st.integers(0, 3), one_in=25))
        if how == 0:
            data = data[: draw(st.integers(0, len(data)))]
        elif how == 1:
            at = draw(st.integers(0, len(data)))
            junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"{", b'"', b"\r", b" ", b"\\"]))
            data = data[:at] + junk + data[at:]
        elif how == 2:
            data = draw(st.sampled_from([b"", b"   ", b"\t", b"[]", b"null", b"1", b'"tick"', b"{}", b"\xef\xbb\xbf"]))
        elif how == 3:
            data = b'{"type":"tick","time":"2026-11-25T10:00","pad":"' + b"x" * (1 << 20) + b'"}'
        lines.append(data)
    end = draw(st.sampled_from([b"\n", b"\n", b"\r\n"]))
    text = end.join(lines) + draw(st.sampled_from([end, b""]))
    if draw(st.integers(0, 9)) == 0:
        text = b"\xef\xbb\xbf" + text
    return text


# ---------------------------------------------------------------------------------------------
# the properties


def line(**fields: Any) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


GOOD = line(type="customer_message", time="2026-11-25T14:00:00", conversation="c1", text="請問有免運嗎?")


@PROPERTY
@given(streams())
@example(GOOD + b"\n" + b'{"type":"tick","time":"2026-11-25T15:00","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n")
@example(GOOD + b"\n" + line(type="tick", time="0001-01-01T00:00:00") + b"\n")
@example(GOOD + b"\n" + line(type="tick", time="9999-12-31T23:59:59-12:00") + b"\n")
@example(GOOD + b'\n{"type":"customer_message","time":"2026-11-25T14:01","conversation":"c1","text":"\\udcff"}\n')
@example(GOOD + b"\n" + line(type="tick", time="2026-11-25T13:00:00") + b"\n")  # time runs backwards
@example(GOOD + b"\n" + line(type="tick", time="2026-11-25T15:00", **{"\x1b[2K\rmia": 1}) + b"\n")
@example(GOOD + b"\n" + line(type="x" * 100_000, time="2026-11-25T15:00") + b"\n")
@example(GOOD + b"\n" + line(type="\x1b[2K\n", time="2026-11-25T15:00") + b"\n")
@example(GOOD + b"\n" + line(type="tick", time="2026-11-25T15:00", shop="\x1b[2K\rtw" + "z" * 500) + b"\n")
@example(line(type="setting_change", time="2026-11-25T14:00", actor="mia", setting="bot", value="on") + b"\n")
@example(line(type="tick", time="9998-12-31T23:59:59+14:00") + b"\n" + line(type="tick", time="9998-12-31T23:59-14:00"))
@example(line(type="tick", time="0002-01-01T00:00:00+14:00") + b"\n" + GOOD)
def test_event_streams_never_crash_keep_what_came_before_and_replay_the_same(
    tmp_path_factory: Any, data: bytes
) -> None:
    note(repr(data[:3000]))
    check_contract(data, tmp_path_factory.mktemp("fuzz"))


@PROPERTY
@given(streams(), st.sampled_from(ZONES))
@example(
    line(type="tick", time="9998-12-31T23:59:59")
    + b"\n"
    + GOOD.replace(b"2026-11-25T14:00:00", b"9998-12-31T23:59:59"),
    "Pacific/Kiritimati",
)
@example(
    line(type="tick", time="0002-01-01T00:00:00")
    + b"\n"
    + GOOD.replace(b"2026-11-25T14:00:00", b"0002-01-01T00:00:00"),
    "Etc/GMT+12",
)
def test_in_a_shop_at_the_ends_of_the_time_zones_too(tmp_path_factory: Any, data: bytes, zone: str) -> None:
    """The shop's zone moves naive times and the shop's days: UTC+14 and UTC-12 at the calendar's ends."""
    note(repr(data[:3000]))
    check_contract(data, tmp_path_factory.mktemp("zone"), zone)


# ---------------------------------------------------------------------------------------------
# the real command, a few times


def simulate_cli(events: Path, db: Path, seed: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "KEFU_CACHE_DIR": str(db.parent / "cache")}
    return subprocess.run(
        [str(KEFU), "simulate", str(TW), "--events", str(events), "--db", str(db), "--json"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams())
@example(GOOD + b"\n" + line(type="tick", time="2026-11-25T15:00", x=1) + b"\n" + GOOD)
def test_the_real_command_agrees_exits_0_or_1_and_names_the_line(tmp_path_factory: Any, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("cli")
    events = folder / "events.jsonl"
    events.write_bytes(data)
    expected = check_contract(data, folder)
    runs = [simulate_cli(events, folder / f"{seed}.db", seed) for seed in ("1", "2")]
    for done in runs:
        err = done.stderr.decode("utf-8", "replace")
        note(err)
        assert done.returncode == (1 if expected.bad else 0), err
        assert "internal error" not in err and "Traceback" not in err
        if expected.bad is not None:
            assert f"kefu simulate: {events}:{expected.bad[0]}: {expected.bad[1]}\n" in err
        assert done.stdout.decode().splitlines() == expected.printed
    assert runs[0].stdout == runs[1].stdout
