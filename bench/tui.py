"""Benchmark: how fast does `kefu tui` answer a key, with 1,000 open conversations and a 10k-entry shop?

What is measured (issue 11 §4), each with Textual's pilot in a headless app (`App.run_test`): the key
is pressed (`pilot.press`), then `pilot.pause()` waits until every message the key caused is handled.
Two times per key: from the press to the last frame the key caused, handed to the terminal driver
(`App._display`), which is "key to rendered update" and what the goals are read on; and from the
press to the pilot's return, which adds the pilot's own waits (it sleeps in 1 ms steps until the
process idles and makes a round trip through every widget), shown beside it:

* typing    - one key in the agent's input of an open conversation: the suggestions follow the words
              (a preview of the decide step, IR-3). Goal p95 <= 50 ms.
* message   - enter in the customer's input (the words typed before, not timed): a customer message
              decided and drawn (inbox, conversation, customer side). Goal p95 <= 50 ms.
* replay    - f10, one step of a recorded stream (and f9, one back). Goal p95 <= 50 ms.
* no-op     - a key bound to nothing, in the same app: what the pilot's round trip and a frame cost
              by themselves (the floor under every figure above).
* first frame - `kefu tui SHOP` start-up to its first drawn frame, the parse cache warm, in a fresh
              process (interpreter start, imports, rules from the cache, the app's first refresh; the
              matcher is built after it, off the screen's thread). Goal <= 1.5 s.

Baselines, measured in the same run:
* the same keys in the demo shop tw with one conversation (what the screen itself costs);
* the engine alone for each action: `Session.preview` (decide without the UI) for a typed key, and
  `Session.customer_says` (decide and store) for a message;
* `python -c pass`, the interpreter's own start-up, next to the first frame.

The shop: bench/parse.py's synthetic entries (English and Chinese asks, keywords, a reply), with staff
that can hold the 1,000 conversations (four agents online, capacity 300 each).

Usage: `python bench/tui.py` (10,000 entries, 1,000 conversations, 200 keys each), or `--smoke` (seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AGENTS = ("amy", "bob", "cat", "dan")  # online, capacity 300 each: room for the 1,000 conversations
STAFF = "staff {\n    owner mia\n" + "".join(f"    agent {name} capacity 300\n" for name in AGENTS) + "}\n"
POLICY = "assist {\n    on\n    auto_send off\n}\nbot {\n    on\n    when off_hours\n}\n"
GOAL_MS = 50.0
GOAL_FIRST_FRAME_S = 1.5


def synthetic_shop(folder: Path, entries: int) -> Path:
    """bench/parse.py's entries as one shop with staff for many conversations."""
    spec = importlib.util.spec_from_file_location("kefu_bench_parse", ROOT / "bench" / "parse.py")
    assert spec is not None and spec.loader is not None
    parse = importlib.util.module_from_spec(spec)
    sys.modules["kefu_bench_parse"] = parse
    spec.loader.exec_module(parse)
    made = [parse.make_entry(number) for number in range(entries)]
    header = 'shop big "Big" {\n    timezone "Asia/Taipei"\n    hours mon-fri 09:00-18:00\n}\n\n'
    folder.mkdir(parents=True)
    text = header + STAFF + "\n" + POLICY + "\n" + "".join(parse.kefu_entry(entry) for entry in made)
    (folder / "shop.kefu").write_text(text, encoding="utf-8")
    return folder


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 0.95):7.1f} ms   (n={len(ms)})"


async def timed_keys(
    pilot: Any,
    count: int,
    key: Callable[[int], Awaitable[None]],
    prepare: Callable[[int], None] | None = None,
) -> tuple[list[float], list[float]]:
    """The time of each of `count` keys: from the press to the last frame the key caused, and from
    the press to the pilot's return. `prepare` (not timed) sets the scene first, such as the words a
    customer typed before pressing enter."""
    app = pilot.app
    to_frame, to_pilot = [], []
    for number in range(count):
        if prepare is not None:
            prepare(number)
            await pilot.pause()
        app.frames.clear()
        started = time.perf_counter()
        await key(number)
        await pilot.pause()
        ended = time.perf_counter()
        to_pilot.append(ended - started)
        to_frame.append((app.frames[-1] if app.frames else ended) - started)
    return to_frame, to_pilot


def fine_idle_wait() -> None:
    """The pilot waits for the process to idle by sleeping 20 ms at a time, which would be most of what
    is timed here; with 1 ms steps the wait ends within about a millisecond of the work's end."""
    import textual._wait as wait

    wait.SLEEP_GRANULARITY = 0.001
    wait.SLEEP_IDLE = 0.0002


def busy_session(shop_path: Path, conversations: int) -> tuple[Any, str, str, list[str]]:
    """A session of the shop at 10:00 on a Wednesday: its agents online, `conversations` customers
    written in, the first agent looking at one of its own. Returns (session, agent, conversation, asks)."""
    from kefu.dsl.load import load
    from kefu.engine.clock import zone
    from kefu.tui.session import Session

    shops = list(load([shop_path]).rules.shops)
    shop = shops[0]
    session = Session(shops, dt.datetime(2026, 11, 25, 10, 0, tzinfo=zone(shop.timezone)))
    session.compile()
    agents = [m.name for m in shop.staff if m.role.value == "agent"] or [shop.staff[0].name]
    for name in agents:
        session.agent("online", name)
    asks = [ask.text for entry in shop.entries for ask in entry.asks][:50] or ["hello"]
    for number in range(conversations):
        session.customer_says(f"c{number}", asks[number % len(asks)])
    me = agents[0]
    mine = next((c.id for c in session.state.conversations.values() if c.agent == me), "c0")
    session.agent("open", me, conversation=mine)
    return session, me, mine, asks


def timed_app_class() -> type[Any]:
    """KefuApp that notes the moment each frame is handed to the terminal driver (`App._display`, the
    last step of a screen update): the end of "key to rendered update"."""
    from kefu.tui.app import KefuApp

    class TimedApp(KefuApp):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.frames: list[float] = []

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())

    return TimedApp


async def measure_app(shop_path: Path, conversations: int, keys: int) -> dict[str, tuple[list[float], list[float]]]:
    """Key-to-screen times in a headless app over `shop_path` with `conversations` open ones:
    (key to frame, key to the pilot's return) for each kind of key."""
    from textual.widgets import Input

    fine_idle_wait()
    session, me, _, asks = busy_session(shop_path, conversations)
    results: dict[str, tuple[list[float], list[float]]] = {}
    app = timed_app_class()(session, me=me)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()

        async def nothing(number: int) -> None:  # a key bound to nothing: what the pilot and a frame cost
            await pilot.press("f12")

        results["no-op"] = await timed_keys(pilot, keys, nothing)
        box = app.query_one("#agent-input", Input)
        box.focus()
        letters = "請問運費怎麼算 shipping for my order please "

        async def type_key(number: int) -> None:
            await pilot.press(letters[number % len(letters)] if letters[number % len(letters)] != " " else "space")

        results["typing"] = await timed_keys(pilot, keys, type_key)
        box.value = ""
        customer = app.query_one("#customer-input", Input)

        def customer_types(number: int) -> None:  # the customer has typed its message: not timed
            app.customer = f"n{number}"
            customer.focus()
            customer.value = asks[number % len(asks)]

        async def customer_key(number: int) -> None:
            await pilot.press("enter")

        results["message"] = await timed_keys(pilot, keys, customer_key, customer_types)
        app.query_one("#inbox-list").focus()

        async def back_and_forth(number: int) -> None:  # time travel: one event back (f9), then forward (f10)
            await pilot.press("f9" if number % 2 == 0 else "f10")

        results["replay"] = await timed_keys(pilot, keys, back_and_forth)
        await pilot.press("ctrl+q")
    session.close()
    return results


def engine_alone(shop_path: Path, conversations: int, keys: int) -> dict[str, list[float]]:
    """The engine's share: the same actions through the session without a screen."""
    session, me, mine, asks = busy_session(shop_path, conversations)
    typing, messages = [], []
    text, letters = "", "請問運費怎麼算 shipping for my order please "
    for number in range(keys):
        text += letters[number % len(letters)]
        started = time.perf_counter()
        session.preview({"type": "agent_types", "agent": me, "conversation": mine, "text": text})
        typing.append(time.perf_counter() - started)
    for number in range(keys):
        started = time.perf_counter()
        session.customer_says(f"n{number}", asks[number % len(asks)])
        messages.append(time.perf_counter() - started)
    session.close()
    return {"typing": typing, "message": messages}


FIRST_FRAME = """
import sys, time
from pathlib import Path
from kefu.tui.app import KefuApp
from kefu.tui.cli.tui import _start
from kefu.tui.session import Session
from kefu.tui.shops import load_shops
import asyncio

class Timed(KefuApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.first_frame)

    def first_frame(self):
        print(time.time(), flush=True)
        self.exit(0)

shops = load_shops(Path(sys.argv[1]))
session = Session(shops, _start(None, shops[0]))
async def main():
    async with Timed(session).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
asyncio.run(main())
"""


def first_frame(shop_path: Path, cache: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds from spawning the process to its first frame, and for `python -c pass`."""
    env = {**os.environ, "KEFU_CACHE_DIR": str(cache)}
    subprocess.run(
        [sys.executable, "-m", "kefu.tui.cli", "check", str(shop_path)], env=env, check=False, capture_output=True
    )  # fills the parse cache
    frames, bare = [], []
    for _ in range(repeat):
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME, str(shop_path)], env=env, capture_output=True, text=True, check=True
        )
        frames.append(float(done.stdout.split()[0]) - started)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - started)
    return frames, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=1_000)
    parser.add_argument("--keys", type=int, default=200, help="keys timed per measurement")
    parser.add_argument("--frames", type=int, default=5, help="fresh processes timed to the first frame")
    parser.add_argument("--smoke", action="store_true", help="100 entries, 20 conversations, 20 keys: seconds")
    options = parser.parse_args()
    if options.smoke:
        options.entries, options.conversations, options.keys, options.frames = 100, 20, 20, 1
    load = os.getloadavg()[0]
    print(f"kefu source: {ROOT}")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} at the start")
    with tempfile.TemporaryDirectory() as work:
        shop = synthetic_shop(Path(work) / "big", options.entries)
        demo = ROOT / "rules" / "shops" / "tw"
        print(f"\nkey to screen, {options.entries:,} entries, {options.conversations:,} open conversations:")
        big = asyncio.run(measure_app(shop, options.conversations, options.keys))
        small = asyncio.run(measure_app(demo, 1, options.keys))
        alone = engine_alone(shop, options.conversations, options.keys)
        print("  each key: to its last frame (the goal's measure), then to the pilot's return (idle waits included)")
        print(
            f"  {'no-op':<8} {summary(big['no-op'][1])}  (a key bound to nothing, draws nothing: the pilot's own cost)"
        )
        for what in ("typing", "message", "replay"):
            frame, pilot = big[what]
            print(f"  {what:<8} {summary(frame)}")
            print(f"  {'':<8} to the pilot's return:                {summary(pilot)}")
            if what in small and what != "no-op":
                print(f"  {'':<8} baseline, demo shop, 1 conversation: {summary(small[what][0])}")
            if what in alone:
                print(f"  {'':<8} baseline, the engine alone:          {summary(alone[what])}")
        frames, bare = first_frame(shop, Path(work) / "cache", options.frames)
        print(
            f"\nfirst frame, parse cache warm: median {statistics.median(frames):.2f} s, worst {max(frames):.2f} s "
            f"(n={len(frames)}); baseline python -c pass: {statistics.median(bare):.2f} s"
        )
        p95 = {what: percentile(frame, 0.95) * 1000 for what, (frame, _) in big.items() if what != "no-op"}
        verdict = [
            f"{what} p95 {value:.1f} ms {'<=' if value <= GOAL_MS else '>'} {GOAL_MS:.0f}"
            for what, value in p95.items()
        ]
        for label, value in (("median", statistics.median(frames)), ("worst", max(frames))):
            verdict.append(
                f"first frame {label} {value:.2f} s {'<=' if value <= GOAL_FIRST_FRAME_S else '>'} {GOAL_FIRST_FRAME_S}"
            )
        print("\ngoals: " + "; ".join(verdict))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
