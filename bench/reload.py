"""Benchmark: how long a rules reload in `kefu tui` takes on a large shop, and how much it holds up the UI.

What is measured
----------------
A synthetic shop of N FAQ entries (10k by default; bench/parse.py's entries, split layout: 1,000
entries a file under faq/) is loaded as `kefu tui` loads it (tui/shops.py, the parse cache warm) into a
Session with one live conversation. Then, R times, one entry's reply is changed in one faq/ file and:

* save -> swap: the whole reload as the watcher runs it (`Reloader.reload_soon`: load in a thread,
  only the changed file parsed again, the shop compiled, then the swap on the event loop);
* swap on the loop: the part that runs on the UI's thread (`Reloader.apply`), the only part that
  can hold a keypress up;
* loop lag: while the reload runs, a task on the same event loop sleeps 5 ms again and again; each
  wake-up later than asked is lag (what a keypress would wait for). p95 and max over the reload.
* save -> report through the watcher: the file written, the real watcher (watchfiles) sees it, waits
  for the burst to end (QUIET_MS), reloads and reports; timed to the report.

Baselines, measured in the same run: the start-up load of the same shop (`load_shops` + compile, what
`kefu tui` does before its first frame), and the loop lag over the same time with nothing running.
Goal (issue 11 §4's figure for the UI): loop lag p95 <= 50 ms during a reload.

Run: `python bench/reload.py` (10k entries, 3 reloads), `--entries 1000`, `--smoke` (200 entries, 1 reload).
Timings taken while other work runs on the machine are noisy: the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parse import make_entry, write_shop  # noqa: E402  (bench/parse.py, beside this script)

from kefu.tui.reload import QUIET_MS, Reload, Reloader, Rules  # noqa: E402
from kefu.tui.session import Session  # noqa: E402
from kefu.tui.shops import load_shops, parse_cache  # noqa: E402

TICK = 0.005  # the lag probe's sleep
GOAL_LAG_MS = 50.0


def change_reply(path: Path, round_: int) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index('reply "') + len('reply "')
    end = text.index('"', start)
    path.write_text(text[:start] + f"changed in round {round_}" + text[end:], encoding="utf-8")


async def lag_during(
    work: Callable[[], Coroutine[Any, Any, Any]] | None, idle: float = 0.0
) -> tuple[float, list[float]]:
    """Run `work` (or sleep `idle` seconds) while probing the loop; (seconds taken, lags in ms)."""
    lags: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            asked = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(max(0.0, (time.perf_counter() - asked - TICK) * 1000))

    prober = asyncio.create_task(probe())
    start = time.perf_counter()
    if work is not None:
        await work()
    else:
        await asyncio.sleep(idle)
    took = time.perf_counter() - start
    done.set()
    await prober
    return took, lags


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


async def timed_reload(reloader: Reloader, path: Path, swapped: list[float]) -> None:
    """One reload as the watcher runs it (`reload_soon`), the swap on the loop (`apply`) timed apart."""
    apply = reloader.apply

    def timed_apply(rules: Rules, saved: Sequence[Path] = ()) -> Reload | None:
        began = time.perf_counter()
        try:
            return apply(rules, saved)
        finally:
            swapped.append(time.perf_counter() - began)

    reloader.apply = timed_apply  # type: ignore[method-assign]
    try:
        done = await reloader.reload_soon([path])
    finally:
        del reloader.apply
    if done is None or not done.ok:
        raise SystemExit(f"reload failed: {done!r}")


async def through_watcher(session: Session, path: Path, round_: int) -> float:
    """Seconds from the write to the report of a watcher (a new one each time: a stopped one stays stopped)."""
    reloader = Reloader(session)
    reports: list[tuple[float, Reload]] = []
    ready = asyncio.Event()
    watching = asyncio.create_task(reloader.watch(lambda r: reports.append((time.perf_counter(), r)), ready.set))
    await ready.wait()
    written = time.perf_counter()
    change_reply(path, round_)
    for _ in range(1200):
        if reports:
            break
        await asyncio.sleep(0.05)
    reloader.stop()
    await watching
    if not reports or not reports[-1][1].ok:
        raise SystemExit(f"the watcher reported {reports!r}")
    return reports[-1][0] - written


async def main_async(entries: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "big"
        write_shop(folder, [make_entry(n) for n in range(entries)], "split")
        os.environ.setdefault("KEFU_CACHE_DIR", str(Path(work) / "cache"))
        load_shops(folder, parse_cache())  # fills the parse cache: kefu tui starts warm
        start = time.perf_counter()
        session = Session(load_shops(folder, parse_cache()), dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC))
        session.rules_path = str(folder)
        session.compile()
        startup = time.perf_counter() - start
        session.play({"type": "customer_message", "conversation": "c1", "text": "How does shipping work for order 8?"})
        reloader = Reloader(session)
        faq = sorted((folder / "faq").glob("*.kefu"))[-1]
        idle_took, idle_lags = await lag_during(None, idle=2.0)
        rows = []
        swapped: list[float] = []  # each round's swap on the loop, in seconds
        for round_ in range(1, rounds + 1):
            change_reply(faq, round_)
            took, lags = await lag_during(lambda: timed_reload(reloader, faq, swapped))
            watched = await through_watcher(session, faq, rounds + round_)
            rows.append((took, swapped[-1], p95(lags), max(lags, default=0.0), watched))
        assert "c1" in session.state.conversations  # the live conversation carried on
    print(f"kefu rules reload: {entries:,} entries, {rounds} reload(s); load average {os.getloadavg()[0]:.2f}")
    print(f"baseline: start-up load + compile (parse cache warm) {startup:.2f} s")
    print(f"baseline: loop lag idle over {idle_took:.1f} s: p95 {p95(idle_lags):.1f} ms, max {max(idle_lags):.1f} ms")
    print(
        f"{'round':>5}  {'save->swap s':>12}  {'swap on loop ms':>15}  {'lag p95 ms':>10}  {'lag max ms':>10}  "
        f"{'watcher save->report s':>22}"
    )
    for number, (took, swap, lag95, lagmax, watched) in enumerate(rows, start=1):
        print(f"{number:>5}  {took:>12.2f}  {swap * 1000:>15.1f}  {lag95:>10.1f}  {lagmax:>10.1f}  {watched:>22.2f}")
    worst = max(row[2] for row in rows)
    print(f"watcher burst end (QUIET_MS): {QUIET_MS} ms, included in save->report")
    print(
        f"goals: loop lag p95 during a reload <= {GOAL_LAG_MS:.0f} ms: {worst:.1f} ms "
        f"{'met' if worst <= GOAL_LAG_MS else 'MISSED'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="200 entries, one reload: that it runs")
    options = parser.parse_args(argv)
    entries, rounds = (200, 1) if options.smoke else (options.entries, options.rounds)
    asyncio.run(main_async(entries, rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
