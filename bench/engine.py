"""Events per second through the decide step, with and without the store, next to plain sqlite3
(issue #4 §7), and the memory of `kefu simulate` over a long stream.

The stream
----------
A synthetic, deterministic (``--seed``) day-after-day stream for the demo shop ``tw``
(rules/shops/tw), from Monday 2026-11-09 00:00 Asia/Taipei on, so it crosses working hours, lunch
breaks, nights, weekends and the 雙11 period (bot all day). About 4,000 conversations start a day
(more in the evening than at night), which keeps a few thousand conversations live at once. A
customer writes 1-6 messages: an ask of the shop's own knowledge base (sometimes with a few words
added), an ask of another entry, or a text the shop cannot answer. Agents come online at the start
of every working period and go offline at its end (with short breaks); a conversation is handled
by an agent when one is on shift (a backlog waits for the morning): the agent opens it, sometimes
types keywords, replies in its own words or sends a suggestion (sometimes edited), and leaves;
customers rate some answers. Every day the owner and an admin switch settings, an agent tries to
(denied), and agents set auto-send for themselves (and one for another: denied). An hourly `tick`
lets idle sessions close. The stream is written once as JSON Lines (``--stream`` lines, streamed to
the file); the in-process measurements use its first ``--events`` lines.

What is measured (one run, one table)
-------------------------------------
* parse       - ``TypeAdapter(Event).validate_json`` of the lines (information: not part of decide).
* decide      - ``decide(state, event, rules, now)`` over the parsed events, matching excluded: the
                rules' matcher is a memo whose answers for every text of the stream were computed
                before the clock starts. Goal >= 20,000 events/s.
* decide, real matching - the same loop with the shop's real matcher, over the first
                ``--real`` events (information).
* decide + store - ``Simulation.play`` and ``Store.append`` of up to 1,000 steps a transaction into a
                fresh database, each committed batch's actions then printed (to /dev/null) as
                ``kefu simulate --json`` prints them: the JSON lines ``append`` returns as stored
                (``action.model_dump_json(exclude_none=True)``); matching excluded as above.
                Parsing is not included (see the parse row). Goal >= 10,000 events/s.
* sqlite3     - the baseline: the same event lines inserted with the stdlib ``sqlite3`` into a
                one-table database (WAL, synchronous=NORMAL), (a) ``executemany`` with one
                transaction per 1,000 rows, (b) one commit per row.
* kefu simulate - ``kefu simulate rules/shops/tw --events big.jsonl --json > /dev/null`` as a
                subprocess over the whole stream, ``--db`` and ``--no-db``: wall time, events/s end
                to end (start-up, parsing and real matching included) and its resident memory
                (VmRSS, sampled every 0.5 s) when it had read 10 %, 50 % and 100 % of the input.
                Goal: memory stays flat.

``per CPU s`` is the same count over the CPU time this process used: on a machine shared with
other work it moves far less than the wall-clock rate (the goals are wall-clock figures).
``others`` is the largest share of the machine's CPU that other processes used during a
measurement (from /proc/stat): a figure taken on a busy machine is a lower bound.

Usage::

    .venv/bin/python bench/engine.py               # 200k in process, 1M through kefu simulate (20 min)
    .venv/bin/python bench/engine.py --quick       # 20k and 100k (about 2 minutes)
    .venv/bin/python bench/engine.py --smoke       # 1k and 3k: proves it runs, figures meaningless (seconds)
    .venv/bin/python bench/engine.py --profile     # also cProfile the decide loop (top 15 by tottime)
    .venv/bin/python bench/engine.py --keep        # keep the generated stream and databases
    .venv/bin/python bench/engine.py --no-simulate # the in-process rows only (a few minutes)
    .venv/bin/python bench/engine.py --timeout 600 # stop each kefu simulate run after 10 minutes
                                                   # (reported as far as it got)
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import datetime as dt
import gc
import hashlib
import heapq
import itertools
import json
import os
import pstats
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from machine import machine_busy  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import TypeAdapter  # noqa: E402

from kefu.dsl.load import load  # noqa: E402
from kefu.engine import clock  # noqa: E402
from kefu.engine.decide import CompiledShop, decide  # noqa: E402
from kefu.engine.events import Event  # noqa: E402
from kefu.engine.inbox import State  # noqa: E402
from kefu.engine.loop import Committed, EngineLoop  # noqa: E402
from kefu.engine.matcher import Match, Matcher  # noqa: E402
from kefu.engine.rules import FaqEntry, Matching, Shop  # noqa: E402
from kefu.engine.simulate import Simulation  # noqa: E402
from kefu.engine.store import Store  # noqa: E402
from kefu.tui.collector import long_run_gc  # noqa: E402

SHOP_DIR = ROOT / "rules" / "shops" / "tw"
SHOP_ID = "tw"
ZONE = ZoneInfo("Asia/Taipei")
START = dt.datetime(2026, 11, 9, tzinfo=ZONE)  # a Monday; the 雙11 period is 11-10..11-12
DAY = 86_400
BATCH = 1000  # steps per commit, as kefu simulate groups them
GOAL_DECIDE = 20_000
GOAL_STORE = 10_000
FLAT = 0.10  # "flat": RSS at the end within 10 % of RSS after the first tenth
FULL = {"events": 200_000, "stream": 1_000_000, "real": 20_000}
QUICK = {"events": 20_000, "stream": 100_000, "real": 5_000}
SMOKE = {"events": 1_000, "stream": 3_000, "real": 200}  # seconds: proves the benchmark runs (tests/bench)

CONVERSATIONS_PER_DAY = 4000
HOURLY = (2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 7, 7, 7, 7, 6, 6, 7, 8, 9, 8, 5)  # arrivals by local hour
MESSAGES = ((1, 2, 3, 4, 5, 6), (20, 25, 20, 15, 10, 10))  # messages per conversation, weights
HANDLERS = (("amy", "bob", "ken", "mia"), (45, 40, 10, 5))
SUFFIXES = ("?", "謝謝", "請問一下", " 急", "!!", "可以嗎")
UNKNOWN = (
    "我想訂做一件客製化的外套",
    "???",
    "好的",
    "你們老闆是誰",
    "今天天氣如何",
    "推薦我一部好看的電影",
    "可以算便宜一點嗎",
    "我上週買的外套顏色跟照片不一樣",
    "請問有在徵人嗎",
    "你是機器人嗎",
    "嗯嗯",
    "我要找真人客服",
    "信用卡可以分12期嗎",
    "可以寄到日本嗎",
    "這個跟另一家比哪個好",
    "哈哈",
    "order 88123 status?",
    "do you ship to Malaysia",
    "我昨天打電話都沒人接",
    "幫我轉給主管",
)
REPLIES = (
    "您好,我幫您查詢一下,請稍等。",
    "好的,已經幫您處理了喔!",
    "不好意思讓您久等了,已為您確認。",
    "這部分我們會再跟倉庫確認,明天回覆您。",
    "收到,謝謝您的耐心等候。",
    "您好,已幫您備註在訂單上了。",
)
NAMES = ("王小明", "林怡君", "陳冠宇", "張雅婷", "李志豪", "黃詩涵", "吳建宏", "劉佳穎", "蔡承恩", "鄭宇軒")
REASONS = ("too_long", "not_useful", "off_topic", "other")


# -- the stream -----------------------------------------------------------------------------------


class Shifts:
    """When the shop works (its hours and holidays, from engine.clock), as [start, end) intervals in
    seconds since START, built a week at a time as the stream needs them."""

    STEP = 300

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.built = 0

    def _build_through(self, t: int) -> None:
        while self.built <= t + 8 * DAY:
            for k in range(self.built, self.built + 7 * DAY, self.STEP):
                if not clock.working(self.shop, START + dt.timedelta(seconds=k)):
                    continue
                if self.ends and self.ends[-1] == k:
                    self.ends[-1] = k + self.STEP
                else:
                    self.starts.append(k)
                    self.ends.append(k + self.STEP)
            self.built += 7 * DAY

    def next_on(self, t: int) -> int:
        """`t` if the shop works then, else the start of its next working period."""
        self._build_through(t)
        i = bisect.bisect_right(self.ends, t)
        return max(t, self.starts[i])

    def interval(self, i: int) -> tuple[int, int]:
        while i >= len(self.starts):
            self._build_through(self.built)
        return self.starts[i], self.ends[i]


@dataclass
class World:
    """What every source of the stream shares: the shop's texts, its shifts and one random generator."""

    rng: random.Random
    entries: tuple[FaqEntry, ...]
    shifts: Shifts

    def customer_text(self, topic: FaqEntry) -> str:
        roll = self.rng.random()
        if roll < 0.20:
            return self.rng.choice(UNKNOWN)
        entry = topic if roll < 0.90 else self.rng.choice(self.entries)
        text = self.rng.choice(entry.asks).text
        return text + self.rng.choice(SUFFIXES) if self.rng.random() < 0.3 else text

    def keywords(self, topic: FaqEntry) -> str:
        return self.rng.choice(topic.keywords) if topic.keywords else topic.title[:2]


Source = Iterator[tuple[int, Any]]  # (seconds since START, an event without its time, or a new Source)


def conversation(world: World, number: int, t: int) -> Source:
    """One customer's conversation: messages, agents handling it when on shift, maybe a rating."""
    rng, cid = world.rng, f"c{number}"
    topic = rng.choice(world.entries)
    count = rng.choices(*MESSAGES)[0]
    handled_last = False
    for index in range(count):
        message: dict[str, Any] = {"type": "customer_message", "conversation": cid, "text": world.customer_text(topic)}
        if index == 0 and rng.random() < 0.6:
            message["customer"] = rng.choice(NAMES)
        yield t, message
        t += int(rng.expovariate(1 / 90)) + (rng.randint(3600, 6 * 3600) if rng.random() < 0.05 else 0)
        handled_last = world.shifts.next_on(t) == t and rng.random() < 0.25
        if handled_last:
            t = yield from agent_phase(world, cid, topic, t)
    if not handled_last:  # someone answers when on shift (the next morning, after a weekend)
        t = yield from agent_phase(world, cid, topic, world.shifts.next_on(t + int(rng.expovariate(1 / 600))))
    if rng.random() < 0.3:
        solved = rng.random() < 0.7
        rating: dict[str, Any] = {"type": "customer_rating", "conversation": cid, "solved": solved}
        if not solved:
            rating["reason"] = rng.choice(REASONS)
            if rng.random() < 0.3:
                rating["text"] = "答非所問,我問的是別的"
        yield t + rng.randint(10, 600), rating


def agent_phase(world: World, cid: str, topic: FaqEntry, t: int) -> Iterator[tuple[int, Any]]:
    """An agent opens the conversation, maybe types keywords, replies once or twice, maybe leaves."""
    rng = world.rng
    agent = rng.choices(*HANDLERS)[0]
    yield t, {"type": "agent_open", "agent": agent, "conversation": cid}
    t += rng.randint(5, 60)
    if rng.random() < 0.4:
        yield t, {"type": "agent_types", "agent": agent, "conversation": cid, "text": world.keywords(topic)}
        t += rng.randint(3, 20)
    for _ in range(2 if rng.random() < 0.2 else 1):
        if rng.random() < 0.6:
            entry = topic if rng.random() < 0.9 else rng.choice(world.entries)
            send: dict[str, Any] = {
                "type": "agent_send_suggestion",
                "agent": agent,
                "conversation": cid,
                "entry": entry.id,
            }
            if rng.random() < 0.2:
                send["text"] = "您好," + entry.reply[:30] + "(已為您確認)"
            yield t, send
        else:
            yield t, {"type": "agent_message", "agent": agent, "conversation": cid, "text": rng.choice(REPLIES)}
        t += rng.randint(10, 120)
    if rng.random() < 0.8:
        yield t, {"type": "agent_leave", "agent": agent, "conversation": cid}
    return t


def arrivals(world: World) -> Source:
    """New conversations, more in the evening than at night."""
    t, number = 0, 0
    per_second = CONVERSATIONS_PER_DAY / sum(HOURLY) / 3600
    while True:
        hour = (START + dt.timedelta(seconds=t)).hour
        t += 1 + int(world.rng.expovariate(per_second * HOURLY[hour]))
        number += 1
        yield t, conversation(world, number, t)


def staff(world: World) -> Source:
    """Agents online at the start of each working period, offline at its end, with short breaks."""
    rng = world.rng
    for i in itertools.count():
        start, end = world.shifts.interval(i)
        plan = [
            (start + rng.randint(0, 300), "agent_online", "amy"),
            (start + rng.randint(0, 600), "agent_online", "bob"),
        ]
        if rng.random() < 0.5:
            plan.append((start + rng.randint(0, 3600), "agent_online", "ken"))
        if rng.random() < 0.3 and end - start > 2 * 3600:
            away = rng.randint(start + 1800, end - 3600)
            plan += [(away, "agent_offline", "bob"), (away + 600, "agent_online", "bob")]
        plan += [(end + rng.randint(0, 600), "agent_offline", name) for name in ("amy", "bob", "ken", "mia")]
        for when, kind, name in sorted(plan):
            yield when, {"type": kind, "agent": name}


def settings(world: World) -> Source:
    """Every day: the owner and an admin switch settings, an agent tries to (denied), agents set
    auto-send for themselves, and one tries for another (denied)."""
    rng = world.rng
    for day in itertools.count():
        base = day * DAY
        plan = [
            (
                base + 11 * 3600 + rng.randint(0, 600),
                {"type": "setting_change", "actor": "mia", "setting": "auto_send", "value": "off"},
            ),
            (
                base + 11 * 3600 + 1800,
                {"type": "setting_change", "actor": "mia", "setting": "auto_send", "value": "on"},
            ),
            (base + 14 * 3600, {"type": "setting_change", "actor": "ken", "setting": "bot_when", "value": "all_day"}),
            (base + 15 * 3600, {"type": "setting_change", "actor": "ken", "setting": "bot_when", "value": "off_hours"}),
            (
                base + 15 * 3600 + rng.randint(0, 3600),
                {"type": "setting_change", "actor": "amy", "setting": "bot", "value": "off"},
            ),
            (base + 16 * 3600, {"type": "agent_auto_send", "actor": "bob", "agent": "bob", "value": False}),
            (base + 17 * 3600, {"type": "agent_auto_send", "actor": "bob", "agent": "bob", "value": True}),
            (
                base + 16 * 3600 + rng.randint(0, 3600),
                {"type": "agent_auto_send", "actor": "amy", "agent": "bob", "value": True},
            ),
        ]
        yield from sorted(plan, key=lambda item: item[0])


def ticks() -> Source:
    for hour in itertools.count(1):
        yield hour * 3600, {"type": "tick"}


def stream(shop: Shop, seed: int) -> Iterator[dict[str, Any]]:
    """The events in time order, without end (take as many as needed)."""
    world = World(random.Random(seed), shop.entries, Shifts(shop))
    heap: list[tuple[int, int, Any, Source]] = []
    order = itertools.count()

    def add(source: Source) -> None:
        item = next(source, None)
        if item is not None:
            heapq.heappush(heap, (item[0], next(order), item[1], source))

    for source in (arrivals(world), staff(world), settings(world), ticks()):
        add(source)
    while heap:
        t, _, payload, source = heapq.heappop(heap)
        add(source)
        if isinstance(payload, dict):
            yield {"type": payload["type"], "time": (START + dt.timedelta(seconds=t)).isoformat(), **payload}
        else:
            add(payload)  # a new conversation starts now


def write_stream(shop: Shop, seed: int, path: Path, lines: int, keep: int) -> list[str]:
    """Write `lines` events to `path` (streamed, not held); return the first `keep` lines."""
    first: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for number, event in enumerate(itertools.islice(stream(shop, seed), lines)):
            line = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            out.write(line + "\n")
            if number < keep:
                first.append(line)
    return first


# -- matching excluded ------------------------------------------------------------------------


class MemoMatcher:
    """`Matcher.match` answered from a table filled before timing: decide is timed, not the matcher."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.table: dict[tuple[str, int, int], Match] = {}
        self.misses = 0

    def fill(self, texts: Iterable[str], levels: Iterable[Matching], top: int = 3) -> None:
        for matching in levels:
            for text in texts:
                self.table[(text, id(matching), top)] = self.matcher.match(text, matching, top=top)

    def match(self, text: str, levels: Matching, top: int = 5) -> Match:
        key = (text, id(levels), top)
        found = self.table.get(key)
        if found is None:
            self.misses += 1
            found = self.table[key] = self.matcher.match(text, levels, top=top)
        return found


def matched_texts(events: Sequence[Any]) -> set[str]:
    return {e.text for e in events if e.type in ("customer_message", "agent_types")}


def all_levels(shop: Shop) -> list[Matching]:
    return [shop.policy.matching] + [period.policy.matching for period in shop.periods]


# -- measuring ------------------------------------------------------------------------------------


def own_cpu() -> float:
    return sum(
        u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


@dataclass
class Row:
    what: str
    events: int
    seconds: float
    goal: int | None = None
    unit: str = "events/s"
    others: float | None = None
    note: str = ""
    cpu: float = 0.0  # CPU seconds this process used (steadier than the wall clock on a shared machine)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.events / self.cpu if self.cpu else 0.0


def timed(
    what: str, events: int, run: Callable[[], object], goal: int | None = None, unit: str = "events/s", note: str = ""
) -> Row:
    """Run once (garbage collected first, collector on as kefu simulate sets it), timed on the wall clock."""
    gc.collect()
    before, cpu = machine_busy(), own_cpu()
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    after, used = machine_busy(), own_cpu() - cpu
    others = None
    if before and after and after[1] > before[1]:
        others = max(0.0, (after[0] - before[0]) - used) / (after[1] - before[1])
    row = Row(what, events, seconds, goal, unit, others, note, used)
    print(f"  {what}: {row.rate:,.0f} {unit} ({seconds:.1f} s)", file=sys.stderr, flush=True)
    return row


@dataclass
class Live:
    """The live inbox (conversations in the state) and the queue, sampled every 1,000 events."""

    EVERY = 1000

    conversations: list[int] = field(default_factory=list)
    queue: list[int] = field(default_factory=list)
    clock: list[float] = field(default_factory=list)

    def sample(self, state: State) -> None:
        self.conversations.append(len(state.conversations))
        self.queue.append(len(state.queue))
        self.clock.append(time.perf_counter())

    def summary(self) -> str:
        c, t = self.conversations, self.clock
        if len(c) < 20:
            return "too few samples"
        ends = [len(c) * k // 10 - 1 for k in range(1, 11)]
        rates = [(j - i) * self.EVERY / (t[j] - t[i]) / 1000 for i, j in zip([0] + ends, ends)]
        return (
            f"conversations in the state after each tenth of the events: {' '.join(f'{c[i]:,}' for i in ends)}; "
            f"queue max {max(self.queue):,}; decide k events/s in each tenth: "
            + " ".join(f"{rate:.1f}" for rate in rates)
        )


def decide_loop(rules: CompiledShop, events: Sequence[Any], live: Live | None = None) -> State:
    shop = rules.shop
    state = State.initial(shop)
    for number, event in enumerate(events):
        state = decide(state, event, rules, clock.aware(shop, event.time)).state
        if live is not None and number % Live.EVERY == Live.EVERY - 1:
            live.sample(state)
    return state


def store_loop(shop: Shop, memo: MemoMatcher, events: Sequence[Any], lines: Sequence[str], db: Path) -> int:
    """The engine loop as kefu simulate drives it (engine.loop.EngineLoop: decide, commits of up to
    BATCH steps, each event's input line stored as read), each committed action printed as JSON."""
    simulation = Simulation({shop.id: shop}, compile=lambda s: CompiledShop(s, matcher=memo))  # type: ignore[arg-type]
    actions = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        store = Store.open(db)
        loop = EngineLoop(simulation, time.monotonic, store, store.start_run("bench/engine.py", str(SHOP_DIR)), BATCH)
        for line, (event, raw) in enumerate(zip(events, lines, strict=True), start=1):
            fed = loop.feed(event, line, raw)
            if fed.error is not None:
                raise SystemExit(f"bench: line {line}: {fed.error.message}")
            actions += show(fed.committed, sink)
        actions += show(loop.close(), sink)
    return actions


def show(committed: Committed, sink: Any) -> int:
    """Print as `kefu simulate --json` does: the action lines as the store wrote them."""
    lines = committed.action_lines()
    if lines:
        sink.write("\n".join(lines) + "\n")
    return len(lines)


def sqlite_inserts(path: Path, lines: Sequence[str], per_commit: int) -> None:
    """The baseline: the event lines into one table, `per_commit` rows a transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    insert = "INSERT INTO events (body) VALUES (?)"
    if per_commit == 1:
        for line in lines:  # autocommit: each INSERT is its own transaction
            conn.execute(insert, (line,))
    else:
        for start in range(0, len(lines), per_commit):
            conn.execute("BEGIN")
            conn.executemany(insert, [(line,) for line in lines[start : start + per_commit]])
            conn.execute("COMMIT")
    conn.close()


# -- kefu simulate as a subprocess ----------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    progress: float  # share of the input file read
    rss_mb: float


@dataclass
class SimulateRun:
    label: str
    events: int
    wall: float
    startup: float  # seconds until it had read the first bytes of the input
    samples: list[Sample]
    peak_mb: float
    others: float | None

    def rss_at(self, share: float) -> float | None:
        """RSS when the run had read `share` of its input; None if it never got that far."""
        for sample in self.samples:
            if sample.progress >= share:
                return sample.rss_mb
        return None

    @property
    def final_mb(self) -> float:
        return self.samples[-1].rss_mb if self.samples else 0.0


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB (empty once it has exited)."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    except (OSError, ValueError):
        pass
    return found


def read_position(pid: int, path: Path) -> int | None:
    """How far the process has read the file at `path` (its descriptor's offset), if it has it open."""
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
                    if line.startswith("pos:"):
                        return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def simulate(big: Path, events: int, db: Path | None, label: str, timeout: float) -> SimulateRun:
    kefu = ROOT / ".venv" / "bin" / "kefu"
    if not kefu.exists():
        raise SystemExit(f"bench: {kefu} not found; install kefu into {ROOT / '.venv'} first")
    command = [str(kefu), "simulate", str(SHOP_DIR), "--events", str(big), "--json"]
    command += ["--db", str(db)] if db is not None else ["--no-db"]
    size = big.stat().st_size
    samples: list[Sample] = []
    peak, startup = 0.0, None
    before, cpu = machine_busy(), own_cpu()
    start = time.perf_counter()
    with open(os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        while process.poll() is None:
            elapsed = time.perf_counter() - start
            status, position = proc_status(process.pid), read_position(process.pid, big)
            if "VmRSS" in status:
                peak = max(peak, status.get("VmHWM", 0.0))
                if position and startup is None:
                    startup = elapsed
                # no descriptor: not opened yet (start-up) or closed already (the end)
                progress = position / size if position is not None else (0.0 if startup is None else 1.0)
                samples.append(Sample(elapsed, progress, status["VmRSS"]))
            if time.perf_counter() - start > timeout:
                process.kill()
                process.wait()
                break
            time.sleep(0.5)
        wall = time.perf_counter() - start
        stopped = process.returncode == -signal.SIGKILL
        if process.returncode != 0 and not stopped:
            err.seek(0)
            raise SystemExit(f"bench: {label}: exit status {process.returncode}\n{err.read().decode()[-3000:]}")
    after, used = machine_busy(), own_cpu() - cpu
    others = max(0.0, (after[0] - before[0]) - used) / (after[1] - before[1]) if before and after else None
    done = samples[-1].progress if stopped and samples else 1.0
    if stopped:
        label = f"{label}, stopped at {done:.0%}"
    run = SimulateRun(label, round(events * done), wall, startup or 0.0, samples, peak, others)
    print(
        f"  {label}: {run.events / wall:,.0f} events/s ({wall:.1f} s), RSS {run.rss_at(0.1) or 0:.0f} -> "
        f"{run.final_mb:.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    return run


# -- reporting ------------------------------------------------------------------------------------


def percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.0%}"


def rates_table(rows: list[Row]) -> str:
    lines = [
        f"{'measurement':<52} {'events':>9} {'s':>7} {'rate':>10} {'unit':<8} {'goal':>8} {'met':>4} {'others':>6} "
        f"{'per CPU s':>10}"
    ]
    for row in rows:
        goal = f">={row.goal:,}" if row.goal else ""
        met = ("yes" if row.rate >= row.goal else "NO") if row.goal else ""
        lines.append(
            f"{row.what:<52} {row.events:>9,} {row.seconds:7.1f} {row.rate:10,.0f} {row.unit:<8} "
            f"{goal:>8} {met:>4} {percent(row.others):>6} {row.cpu_rate:10,.0f}" + (f"  {row.note}" if row.note else "")
        )
    return "\n".join(lines)


def memory_table(runs: list[SimulateRun]) -> str:
    lines = [
        f"{'kefu simulate rules/shops/tw --json':<36} {'events':>9} {'wall s':>7} {'start s':>7} {'events/s':>9} "
        f"{'RSS@10%':>8} {'RSS@50%':>8} {'RSS@100%':>8} {'peak':>6} {'growth':>7} {'flat':>4} {'others':>6}"
    ]
    megabytes = lambda value: "-" if value is None else f"{value:.0f}M"  # noqa: E731
    for run in runs:
        first, last = run.rss_at(0.1), run.final_mb
        growth = (last - first) / first if first else None
        flat = "?" if growth is None else "yes" if growth <= FLAT else "NO"
        lines.append(
            f"{run.label:<36} {run.events:>9,} {run.wall:7.1f} {run.startup:7.1f} {run.events / run.wall:9,.0f} "
            f"{megabytes(first):>8} {megabytes(run.rss_at(0.5)):>8} {megabytes(last):>8} "
            f"{megabytes(run.peak_mb):>6} {'?' if growth is None else f'{growth:+.0%}':>7} {flat:>4} "
            f"{percent(run.others):>6}"
        )
    return "\n".join(lines)


def source_digest() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for folder in ("engine", "tui"):
        for path in sorted((ROOT / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def git_state() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "engine", "tui"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "git commit unknown"
    return f"commit {commit}" + (" + uncommitted changes in engine/ or tui/" if dirty else "")


def profile(rules: CompiledShop, events: Sequence[Any]) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(decide_loop, rules, events)
    print(f"\nprofile of the decide loop (matching excluded), {len(events):,} events, top 15 by tottime:")
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(15)


# -- the run --------------------------------------------------------------------------------------


def report(rows: list[Row], runs: list[SimulateRun], notes: list[str], digest: str) -> None:
    print()
    print(rates_table(rows))
    if runs:
        print()
        print(memory_table(runs))
    print()
    print("\n".join(notes))
    print(
        f"goals: decide (matching excluded) >= {GOAL_DECIDE:,} events/s; decide + store >= {GOAL_STORE:,} events/s "
        f"with commits grouped (an action printed only after its commit); memory flat over 1,000,000 events "
        f"through kefu simulate (here: RSS at 100 % within {FLAT:.0%} of RSS at 10 %)"
    )
    print(
        f"{git_state()}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )
    if source_digest() != digest:
        print("WARNING: engine/ or tui/ changed during the run: the figures may mix two versions of the code")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="20k events in process, 100k through kefu simulate")
    size.add_argument("--smoke", action="store_true", help="1k in process, 3k through kefu simulate: seconds")
    parser.add_argument("--events", type=int, help=f"events timed in process (default {FULL['events']:,})")
    parser.add_argument("--stream", type=int, help=f"events through kefu simulate (default {FULL['stream']:,})")
    parser.add_argument("--real", type=int, help=f"events decided with real matching (default {FULL['real']:,})")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="cProfile the decide loop, top 15 by tottime")
    parser.add_argument("--profile-events", type=int, default=50_000, help="events profiled (default 50,000)")
    parser.add_argument("--no-simulate", action="store_true", help="skip the kefu simulate subprocess runs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (stream, databases)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds a kefu simulate run may take; then it is stopped and reported as far as it got",
    )
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    n_stream = args.stream or sizes["stream"]
    n_events = min(args.events or sizes["events"], n_stream)
    n_real = min(args.real or sizes["real"], n_events)

    digest = source_digest()
    shop = load([SHOP_DIR]).rules.shop(SHOP_ID)
    if shop is None:
        raise SystemExit(f"bench: no shop {SHOP_ID} in {SHOP_DIR}")
    work = Path(tempfile.mkdtemp(prefix="kefu-bench-engine-"))
    big = work / "stream.jsonl"
    try:
        print(f"writing {n_stream:,} events to {big} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        lines = write_stream(shop, args.seed, big, n_stream, n_events)
        notes = [
            f"stream: {n_stream:,} events ({big.stat().st_size / 1e6:.0f} MB) written in "
            f"{time.perf_counter() - started:.0f} s, seed {args.seed}; in process: its first {n_events:,} events"
        ]
        rows, more = in_process(shop, work, lines, n_real)
        notes += more
        del lines
        gc.collect()
        runs: list[SimulateRun] = []
        if not args.no_simulate:
            runs.append(
                simulate(big, n_stream, work / "simulate.db", "--db FILE (SQLite, grouped commits)", args.timeout)
            )
            runs.append(simulate(big, n_stream, None, "--no-db", args.timeout))
        report(rows, runs, notes, digest)
        if args.profile:
            profile_decide(shop, big, min(n_events, args.profile_events))
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def parse(lines: Sequence[str]) -> list[Any]:
    adapter = TypeAdapter(Event)
    return [adapter.validate_json(line) for line in lines]


def read_lines(path: Path, count: int) -> list[str]:
    with path.open(encoding="utf-8") as source:
        return [line.rstrip("\n") for line in itertools.islice(source, count)]


def in_process(shop: Shop, work: Path, lines: list[str], n_real: int) -> tuple[list[Row], list[str]]:
    """The rows measured in this process, over `lines` (the first events of the stream)."""
    n_events = len(lines)
    rows: list[Row] = []
    notes: list[str] = []
    events: list[Any] = []
    rows.append(timed("parse: TypeAdapter(Event).validate_json (info)", n_events, lambda: events.extend(parse(lines))))
    kinds = Counter(e.type for e in events)
    notes.append(
        f"events: {events[0].time:%Y-%m-%d %H:%M} .. {events[-1].time:%Y-%m-%d %H:%M}; "
        + ", ".join(f"{kind} {count:,}" for kind, count in kinds.most_common())
    )

    real = CompiledShop(shop)
    memo = MemoMatcher(real.matcher)
    texts = matched_texts(events)
    started = time.perf_counter()
    memo.fill(texts, all_levels(shop))
    notes.append(
        f"matching excluded: {len(texts):,} distinct texts x {len(all_levels(shop))} levels matched before "
        f"timing in {time.perf_counter() - started:.1f} s"
    )
    rules = CompiledShop(shop, matcher=memo)  # type: ignore[arg-type]
    long_run_gc()  # the collector as kefu simulate and the UI set it for a long stream (tui/collector.py)
    notes.append(
        "garbage collector: as kefu simulate sets it (tui.collector.long_run_gc: loaded objects frozen, "
        "young collections every 50,000 allocations)"
    )
    live, last = Live(), []
    rows.append(
        timed("decide, matching excluded", n_events, lambda: last.append(decide_loop(rules, events, live)), GOAL_DECIDE)
    )
    sessionless = sum(1 for c in last[0].conversations.values() if c.session is None)
    notes.append(
        f"live state (decide run): {live.summary()}; at the end {sessionless:,} of the conversations "
        f"in the state have no open session"
    )
    rows.append(timed("decide, real matching (info)", n_real, lambda: decide_loop(real, events[:n_real])))
    actions: list[int] = []
    rows.append(
        timed(
            f"decide + store, {BATCH} steps a commit, --json lines",
            n_events,
            lambda: actions.append(store_loop(shop, memo, events, lines, work / "store.db")),
            GOAL_STORE,
        )
    )
    notes.append(
        f"decide + store: {actions[0]:,} actions written and printed; "
        f"{(work / 'store.db').stat().st_size / 1e6:.0f} MB database; memo misses {memo.misses}"
    )
    rows.append(
        timed(
            f"sqlite3 baseline: executemany, {BATCH} rows a commit",
            n_events,
            lambda: sqlite_inserts(work / "base-batch.db", lines, BATCH),
            unit="rows/s",
        )
    )
    rows.append(
        timed(
            "sqlite3 baseline: one commit per row",
            n_events,
            lambda: sqlite_inserts(work / "base-row.db", lines, 1),
            unit="rows/s",
        )
    )
    return rows, notes


def profile_decide(shop: Shop, big: Path, count: int) -> None:
    events = parse(read_lines(big, count))
    memo = MemoMatcher(CompiledShop(shop).matcher)
    memo.fill(matched_texts(events), all_levels(shop))
    profile(CompiledShop(shop, matcher=memo), events)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
