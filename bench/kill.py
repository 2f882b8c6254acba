"""SIGKILL `kefu simulate --db` at random moments; nothing it printed may be missing from the database.

The run (issue 10: "30 SIGKILLs in the middle of `kefu simulate` lost none of 286,137 printed
actions and every database passed integrity_check")
------------------------------------------------------------------------------------------------
bench/engine.py's synthetic day-after-day stream for the demo shop ``tw`` is written once. Then, as
many times as ``--kills`` says, ``kefu simulate rules/shops/tw --events - --db FILE --json`` is
started on the stream from the line after the last one the database holds (its standard input is
the stream file, opened at that line's byte offset), its action lines are read as it prints them,
and at a random moment (``--seed``; a share of them during start-up, before anything is printed) it
gets SIGKILL. After each kill:

* every action line printed before the kill must be in the database, as the run's first actions in
  the order printed (``lost``: printed lines the database lacks; ``out of order``: runs whose
  printed lines are not the start of what was stored);
* ``PRAGMA integrity_check`` must say ok (``integrity failures``);
* the next run starts after the last stored line, so no input line may be stored twice
  (``duplicated lines``).

Last, the rest of the stream is played without a kill; then every line of the stream must be stored
exactly once (``lines stored``). Every figure must be 0 except the counts.

Usage::

    .venv/bin/python bench/kill.py             # 20 kills over a 300,000-line stream
    .venv/bin/python bench/kill.py --kills 30  # as many kills as wanted
    .venv/bin/python bench/kill.py --smoke     # 3 kills over 3,000 lines: seconds (the suite runs this)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
KEFU = ROOT / ".venv" / "bin" / "kefu"
SHOP_DIR = ROOT / "rules" / "shops" / "tw"
START_UP_SHARE = 0.15  # kills aimed at start-up (before the first action line)


@dataclass
class Figures:
    kills: int = 0
    printed: int = 0  # action lines printed before a kill
    lost: int = 0  # of those, missing from the database
    out_of_order: int = 0  # runs whose printed lines are not the first lines stored, in order
    integrity_failures: int = 0
    duplicated_lines: int = 0  # input lines stored more than once
    lines: int = 0  # lines in the stream
    stored_once: int = 0  # lines stored exactly once after the final run
    killed_before_output: int = 0
    stored_actions: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return (
            self.lost == self.out_of_order == self.integrity_failures == self.duplicated_lines == 0
            and self.stored_once == self.lines
        )

    def report(self) -> str:
        return (
            f"kills {self.kills} ({self.killed_before_output} before any output), actions printed {self.printed:,}, "
            f"actions lost {self.lost}, out of order {self.out_of_order}, integrity failures "
            f"{self.integrity_failures}, duplicated lines {self.duplicated_lines}, lines stored once "
            f"{self.stored_once:,} of {self.lines:,} ({self.stored_actions:,} actions stored), {self.seconds:.0f} s"
        )


def write_stream(path: Path, lines: int, seed: int) -> list[int]:
    """The stream of bench/engine.py; the byte offset where each line starts (and the end)."""
    engine = _bench_engine()
    shop = engine.load([SHOP_DIR]).rules.shop(engine.SHOP_ID)
    engine.write_stream(shop, seed, path, lines, 0)
    offsets = [0]
    with path.open("rb") as stream:
        for line in stream:
            offsets.append(offsets[-1] + len(line))
    return offsets


def _bench_engine() -> ModuleType:
    """bench/engine.py as a module (it is a script beside this one)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # its own `from machine import ...`
    spec = importlib.util.spec_from_file_location("kefu_bench_engine", Path(__file__).with_name("engine.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class Reader(threading.Thread):
    """Reads a process's standard output as it comes; keeps the whole lines."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.lines: list[bytes] = []
        self.first = threading.Event()

    def run(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.endswith(b"\n"):  # a line cut by the kill was not printed
                self.lines.append(line)
                self.first.set()
        self.first.set()


def start(stream: Path, offset: int, db: Path) -> tuple[subprocess.Popen[bytes], Reader]:
    with stream.open("rb") as source:
        source.seek(offset)
        process = subprocess.Popen(
            [str(KEFU), "simulate", str(SHOP_DIR), "--events", "-", "--db", str(db), "--json"],
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    reader = Reader(process)
    reader.start()
    return process, reader


def last_run(db: Path) -> tuple[int, int, list[str]]:
    """The latest run's id, the last input line it stored (0: none), its action lines in order."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            run = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
        except sqlite3.OperationalError:  # killed while the database was being created: no table yet
            return 0, 0, []
        if run is None:
            return 0, 0, []
        stored = conn.execute("SELECT max(line) FROM events WHERE run = ?", [run]).fetchone()[0] or 0
        actions = [row[0] for row in conn.execute("SELECT body FROM actions WHERE run = ? ORDER BY id", [run])]
    return run, stored, actions


def integrity(db: Path) -> str:
    if not db.exists():
        return "ok"  # killed before the database was created: nothing to check
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def kill_run(work: Path, kills: int, lines: int, seed: int, longest: float) -> Figures:
    """`kills` SIGKILLs, each at a random moment up to `longest` seconds after the first output."""
    figures = Figures(lines=lines)
    began = time.perf_counter()
    stream, db = work / "stream.jsonl", work / "kill.db"
    offsets = write_stream(stream, lines, seed)
    chance = random.Random(seed)
    first_line = {}  # run id -> the stream line its line 1 is
    done = 0  # lines of the stream stored so far
    while figures.kills < kills and done < lines:
        before = last_run(db)[0] if db.exists() else 0
        process, reader = start(stream, offsets[done], db)
        if chance.random() < START_UP_SHARE:
            time.sleep(chance.uniform(0.0, 0.6))  # during start-up, most likely
        else:
            reader.first.wait(60)
            time.sleep(chance.uniform(0.0, longest))
        if process.poll() is not None:  # it finished the stream before the kill
            reader.join()
            figures.notes.append(f"run {figures.kills + 1} ended by itself (exit {process.returncode})")
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        reader.join()
        figures.kills += 1
        printed = [line.decode().rstrip("\n") for line in reader.lines]
        figures.printed += len(printed)
        figures.killed_before_output += not printed
        if integrity(db) != "ok":
            figures.integrity_failures += 1
            figures.notes.append(f"kill {figures.kills}: integrity_check: {integrity(db)}")
        if not db.exists():
            figures.lost += len(printed)
            continue
        run, stored, actions = last_run(db)
        if run == before:  # killed before it started its run: it stored nothing
            run, stored, actions = 0, 0, []
        figures.lost += sum((Counter(printed) - Counter(actions)).values())
        figures.out_of_order += actions[: len(printed)] != printed
        if run:
            first_line[run] = done + 1
            done += stored
    with _at(stream, offsets[done]) as rest:
        final = subprocess.run(
            [str(KEFU), "simulate", str(SHOP_DIR), "--events", "-", "--db", str(db), "--json"],
            stdin=rest,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
    if final.returncode != 0:
        figures.notes.append(f"final run: exit {final.returncode}: {final.stderr.decode()[-500:]}")
    run, _, _ = last_run(db)
    first_line[run] = done + 1
    figures.integrity_failures += integrity(db) != "ok"
    count, figures.stored_actions = _stored(db, first_line)
    figures.duplicated_lines = sum(n - 1 for n in count.values() if n > 1)
    figures.stored_once = sum(1 for line in range(1, lines + 1) if count.get(line) == 1)
    figures.seconds = time.perf_counter() - began
    return figures


def _at(stream: Path, offset: int) -> BinaryIO:
    source = stream.open("rb")
    source.seek(offset)
    return source


def _stored(db: Path, first_line: dict[int, int]) -> tuple[Counter[int], int]:
    """How often each line of the stream is stored (runs mapped to where they started), and the actions."""
    count: Counter[int] = Counter()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for run, line in conn.execute("SELECT run, line FROM events WHERE line IS NOT NULL"):
            if run not in first_line:
                raise SystemExit(f"bench: run {run} of {db} was not started by this benchmark")
            count[first_line[run] + line - 1] += 1
        actions = int(conn.execute("SELECT count(*) FROM actions").fetchone()[0])
    return count, actions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs (default 20)")
    parser.add_argument("--lines", type=int, default=300_000, help="lines of the event stream (default 300,000)")
    parser.add_argument("--longest", type=float, default=3.0, help="latest kill, seconds after the first output")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--smoke", action="store_true", help="3 kills over 3,000 lines: proves it runs")
    parser.add_argument("--keep", action="store_true", help="keep the stream and the database")
    args = parser.parse_args(argv)
    if args.smoke:
        args.kills, args.lines, args.longest = 3, 3_000, 0.2
    if not KEFU.exists():
        raise SystemExit(f"bench: {KEFU} not found; install kefu into {ROOT / '.venv'} first")
    work = Path(tempfile.mkdtemp(prefix="kefu-bench-kill-"))
    load = os.getloadavg()
    figures = kill_run(work, args.kills, args.lines, args.seed, args.longest)
    print(f"kefu simulate --db under SIGKILL: seed {args.seed}, stream {args.lines:,} lines")
    print(figures.report())
    for note in figures.notes:
        print(f"  {note}")
    print(f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 CPUs shared)")
    print("sound: yes" if figures.sound else "sound: NO")
    if args.keep:
        print(f"kept in {work}")
    else:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    return 0 if figures.sound else 1


if __name__ == "__main__":
    raise SystemExit(main())
