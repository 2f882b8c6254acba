"""What the metrics screen of `kefu tui` (f11) costs, next to what recounting from scratch costs.

The session: the first ``--events`` events of bench/engine.py's synthetic stream of the demo shop tw
(thousands of conversations a day, agents on shifts, ratings, hourly ticks), loaded as a tape and
played through a `Session` as `kefu tui --events` does.

What is measured (one run, one table; milliseconds, p50 and p95)
-----------------------------------------------------------------
* forward, screen open  - the figures and the chart redrawn after each of the last ``--steps`` events
                          played (`LiveMetrics`: each event is fed once; numbers_text and chart_text
                          built as the screen builds them).
* back, screen open     - the same after each of ``--steps`` steps back (f9): the feed takes the
                          event back (`Tracker.pop`).
* baseline: recount     - the same figures counted from scratch over the whole played list after each
                          event (`compute` of every step, as a screen without a live feed would).
* baseline: the event   - playing the event itself (decide and the transcripts), which every key pays.
* pilot, f10            - keypress to rendered update for one step of the tape in the running app
                          (Textual's pilot, 120x40), with the metrics screen open and closed.

Goal: with the screen open, an event costs the metrics well under the event itself, at any length
of session; with it closed it costs nothing (the app makes no feed until f11).

Usage::

    .venv/bin/python bench/metrics_view.py            # 10,000 events, 200 steps (a few minutes)
    .venv/bin/python bench/metrics_view.py --smoke    # 200 events, 5 steps: proves it runs
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from machine import machine_busy

from engine import START, stream  # bench/engine.py, beside this script: the synthetic stream

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import TypeAdapter  # noqa: E402

from kefu.dsl.load import load  # noqa: E402
from kefu.engine.events import Event  # noqa: E402
from kefu.engine.metrics import compute, of_shop, records  # noqa: E402
from kefu.tui import metrics_view  # noqa: E402
from kefu.tui.session import Session  # noqa: E402
from kefu.tui.views import words_of  # noqa: E402

EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def session_of(count: int) -> Session:
    shop = load([ROOT / "rules" / "shops" / "tw"]).rules.shop("tw")
    assert shop is not None
    played = Session([shop], START)
    played.compile()
    played.load_tape(EVENTS.validate_python(list(itertools.islice(stream(shop, 4), count))))
    return played


def draw(live: metrics_view.LiveMetrics) -> None:
    """What MetricsScreen.redraw computes and builds (without the widgets)."""
    metrics_view.numbers_text(live.so_far(), words_of(live.session))
    metrics_view.chart_text(live.over_time(), 120)


def recount(played: Session) -> None:
    """The baseline: the same figures from scratch over everything played."""
    steps = [step for item in played.played for step in item.steps]
    of_shop(compute(records(steps)), played.shop_id)


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def figures(samples: list[float]) -> str:
    if not samples:
        return f"{'-':>9} {'-':>9}"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):9.2f} {p95:9.2f}"


async def pilot_steps(played: Session, steps: int, open_screen: bool) -> list[float]:
    """Keypress to rendered update for f10 (one event of the tape) in the running app."""
    from kefu.tui.app import KefuApp

    app = KefuApp(played)
    samples = []
    async with app.run_test(size=(120, 40)) as pilot:
        if open_screen:
            await pilot.press("f11")
        for _ in range(steps):
            began = time.perf_counter()
            await pilot.press("f10")
            await pilot.pause()
            samples.append((time.perf_counter() - began) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000, help="events played before measuring (default 10,000)")
    parser.add_argument("--steps", type=int, default=200, help="events measured forward and back (default 200)")
    parser.add_argument("--smoke", action="store_true", help="200 events, 5 steps: proves it runs")
    args = parser.parse_args()
    count, steps = (200, 5) if args.smoke else (args.events, args.steps)
    busy_before = machine_busy()
    began = time.perf_counter()

    played = session_of(count + steps)
    while len(played.tape) > steps:
        played.forward()
    live = metrics_view.LiveMetrics(played)
    draw(live)  # the screen opens: every event so far fed once
    forward, back, baseline, event = [], [], [], []
    for _ in range(steps):
        event.append(timed(played.forward))
        forward.append(timed(lambda: draw(live)))
        baseline.append(timed(lambda: recount(played)))
    for _ in range(steps):
        played.back()
        back.append(timed(lambda: draw(live)))
    pilot_closed = asyncio.run(pilot_steps(played, min(steps, 50), open_screen=False))
    for _ in range(min(steps, 50)):
        played.back()
    pilot_open = asyncio.run(pilot_steps(played, min(steps, 50), open_screen=True))

    busy_after = machine_busy()
    print(f"metrics screen of kefu tui: {count:,} events played, then {steps} measured (ms)")
    print(f"{'':42} {'p50':>9} {'p95':>9}")
    print(f"{'forward, screen open (LiveMetrics)':42} {figures(forward)}")
    print(f"{'back (f9), screen open (LiveMetrics)':42} {figures(back)}")
    print(f"{'baseline: recount from scratch':42} {figures(baseline)}")
    print(f"{'baseline: the event itself (decide)':42} {figures(event)}")
    print(f"{'pilot f10, metrics screen open':42} {figures(pilot_open)}")
    print(f"{'pilot f10, metrics screen closed':42} {figures(pilot_closed)}")
    if busy_before and busy_after:
        share = (busy_after[0] - busy_before[0]) / max(1e-9, busy_after[1] - busy_before[1])
        print(f"machine busy during the run: {share:.0%} of all CPUs (this process included)")
    print(f"took {dt.timedelta(seconds=round(time.perf_counter() - began))}")


if __name__ == "__main__":
    main()
