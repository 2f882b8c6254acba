"""Benchmark: how fast does kefu read a large shop, compared with json.loads of the same content?

What is measured
----------------
For each size N (FAQ entries; 1k, 10k, 100k by default) a synthetic shop is written to a temporary
folder in two layouts:

* ``single`` - one ``shop.kefu`` holding the header, the staff block and all N entries;
* ``split``  - ``shop.kefu`` holds only the header and staff; the entries go to header-less files
  of 1,000 entries each under ``faq/`` (they join the shop because they lie below its folder).

Every entry is 7 lines: ``faq ID "title" {``, three ``ask`` lines mixing English and Chinese, a
``keywords`` line, a ``reply`` line and ``}``.

For each size and layout:

(a) cold   - ``kefu check DIR`` with an empty cache (KEFU_CACHE_DIR is a fresh, empty folder);
(b) warm   - ``kefu check DIR`` again, nothing changed (the cache filled by (a) answers);
(c) edit   - split layout only: a comment line is appended to one ``faq/`` file, then ``kefu check
             DIR`` again; only that file should be parsed again, the rest come from the cache;
(d) load   - ``kefu.dsl.load.load([DIR], Cache.disabled())`` timed inside a child Python process (after
             its imports), so it is the library's parse + build + check
             time alone, without interpreter start-up or cache reads/writes.

Each of (a)-(d) runs in a FRESH subprocess and (a)-(c) are timed as the wall-clock time of the whole
subprocess. That is what a user waits for, and it is the only honest number: in one long-lived
process the second measurement would find modules already imported, Lark's parser already built
and ``lru_cache``\\ s filled, and would time only part of the work. ``kefu check`` must exit 0 (the
synthetic shop is clean); any other status stops the benchmark with the command's output.

Broken files (point 9 of issue 9): for each size, the single-file shop is checked cold next to three
copies with one mistake in the middle entry: a missing ``}`` (the entry's closing line deleted), a stray
``{`` (appended to one of its ``ask`` lines) and a missing ``"`` (the end of its ``reply`` string). Each
row gives the time of the clean file and of the broken one (fresh cache, fresh process, ``kefu check``
must exit 1), their ratio (goal <= 2), how many findings were printed and how often the most repeated
message was printed.

Baseline: ``json.loads`` of the same entries as a JSON array of ``{id, title, asks, keywords,
reply}`` objects, timed in this process (best of a few runs, garbage collector paused as kefu pauses
it; the JSON parser is C, so it is the floor of what "reading this much structured text" costs in
CPython). Its "lines/s" counts the *kefu* lines of the same content, so both rates are comparable;
``ratio`` is cold kefu check time over json.loads time.

Noise
-----
Wall-clock time is only meaningful on a quiet machine, so next to it the table gives:

* ``(cpu s)`` - user + system CPU seconds of the subprocess and the workers it forked (kefu builds
  large inputs on two cores, so on an idle machine cpu s can exceed wall s; if wall s is well above
  cpu s, the process was waiting for a CPU);
* ``others`` - the largest share of the machine's CPU that *other* processes used during any run of
  the row (from /proc/stat); ``--wait-idle`` waits for a quiet machine before each run.

The benchmark also hashes kefu's source before and after each series: if the code changed meanwhile
(someone editing the working tree), the warm run would miss the cache (its key includes the code)
and the series measures nothing coherent, so it is measured again (``--retries``) or flagged ``*``.

Usage::

    .venv/bin/python bench/parse.py                      # 1k, 10k, 100k (100k takes minutes)
    .venv/bin/python bench/parse.py --quick              # 1k and 10k only
    .venv/bin/python bench/parse.py --smoke              # 100 entries: seconds, checks the script works
    .venv/bin/python bench/parse.py --sizes 5000 --keep  # keep the generated shops
    .venv/bin/python bench/parse.py --profile 10000      # also cProfile an in-process load
    .venv/bin/python bench/parse.py --wait-idle          # wait for a quiet machine before each run
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from machine import machine_busy  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
SMOKE_SIZES = (100,)  # seconds: for the test that keeps this script working
GOAL_BROKEN_RATIO = 2.0  # a file with one mistake checks in at most twice the time of the clean file
ENTRIES_PER_FILE = 1_000
PACKAGES = ("dsl", "engine", "tui")
GOAL_SIZE = 10_000
GOAL_COLD_S = 3.0
GOAL_WARM_S = 0.3

HEADER = 'shop big "Big" {\n    timezone "Asia/Taipei"\n}\n\nstaff {\n    owner mia\n}\n'

# (id prefix, English topic, Chinese topic, a Chinese keyword): entries cycle through these so the
# text is not one line repeated, but every ask still carries the entry number (asks must be unique
# across entries, or check K021 fails the run).
TOPICS = (
    ("shipping", "shipping", "運費", "免運"),
    ("returns", "a return", "退貨", "退款"),
    ("payment", "payment", "付款方式", "信用卡"),
    ("invoice", "an invoice", "發票", "統編"),
    ("stock", "stock", "庫存", "現貨"),
    ("size", "sizing", "尺寸", "尺碼"),
    ("order", "my order", "訂單", "取消"),
    ("points", "member points", "購物金", "點數"),
)


# -- the synthetic shop --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    asks: tuple[str, str, str]
    keywords: tuple[str, str, str]
    reply: str


def make_entry(number: int) -> Entry:
    key, english, chinese, word = TOPICS[number % len(TOPICS)]
    return Entry(
        id=f"{key}.q{number}",
        title=f"{chinese} #{number}",
        asks=(
            f"How does {english} work for order {number}?",
            f"請問{chinese}怎麼處理?訂單編號 {number}",
            f"Can I ask about {chinese} {word} for item {number} please",
        ),
        keywords=(chinese, word, key),
        reply=f"您好,關於{chinese}(order {number}):請到【我的訂單】查看詳情,或留言給客服,我們會盡快回覆您。Thanks!",
    )


def kefu_entry(entry: Entry) -> str:
    asks = "".join(f'    ask "{ask}"\n' for ask in entry.asks)
    return (
        f'faq {entry.id} "{entry.title}" {{\n{asks}'
        f'    keywords {", ".join(entry.keywords)}\n    reply "{entry.reply}"\n}}\n'
    )


def write_shop(folder: Path, entries: list[Entry], layout: str) -> tuple[int, int]:
    """Write a shop in `layout` ("single" or "split"); return (lines, bytes) of all its files."""
    folder.mkdir(parents=True)
    texts: dict[Path, str] = {}
    if layout == "single":
        texts[folder / "shop.kefu"] = HEADER + "\n" + "".join(kefu_entry(e) for e in entries)
    elif layout == "split":
        texts[folder / "shop.kefu"] = HEADER
        for start in range(0, len(entries), ENTRIES_PER_FILE):
            chunk = entries[start : start + ENTRIES_PER_FILE]
            name = folder / "faq" / f"part-{start // ENTRIES_PER_FILE:04d}.kefu"
            texts[name] = "".join(kefu_entry(e) for e in chunk)
    else:
        raise ValueError(f"unknown layout {layout!r}")
    lines = size = 0
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        lines += text.count("\n")
        size += len(data)
    return lines, size


def json_text(entries: list[Entry]) -> str:
    return json.dumps(
        [
            {"id": e.id, "title": e.title, "asks": list(e.asks), "keywords": list(e.keywords), "reply": e.reply}
            for e in entries
        ],
        ensure_ascii=False,
    )


# -- measuring -----------------------------------------------------------------------------------


def kefu_command() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "kefu"
    if not exe.exists():
        sys.exit(f"bench: {exe} not found; install kefu into {ROOT / '.venv'} first")
    return [str(exe)]


@dataclass(frozen=True)
class Target:
    """Which kefu source the subprocesses run: the working tree, or a frozen copy of it."""

    source: Path  # the folder holding dsl/, engine/, tui/
    snapshot: bool  # a copy put first on PYTHONPATH (the editable install's finder comes after it)
    cwd: Path  # where subprocesses start: not ROOT, so '' on sys.path cannot shadow the snapshot

    @classmethod
    def make(cls, work: Path, snapshot: bool) -> Target:
        if not snapshot:
            return cls(ROOT, False, work)
        source = work / "kefu-src"
        for package in PACKAGES:  # kefu is a namespace package: the copy is kefu/dsl, kefu/engine, kefu/tui
            shutil.copytree(
                ROOT / package, source / "kefu" / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        return cls(source, True, work)

    def package(self, name: str) -> Path:
        """The folder of one of kefu's packages (`dsl`, `engine`, `tui`) in this target."""
        return self.source / "kefu" / name if self.snapshot else self.source / name

    def env(self, cache_dir: Path) -> dict[str, str]:
        env = dict(os.environ)
        env["KEFU_CACHE_DIR"] = str(cache_dir)
        for name in ("KEFU_NO_CACHE", "KEFU_SERIAL"):  # would silently change what is measured
            env.pop(name, None)
        if self.snapshot:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.source), env.get("PYTHONPATH")]))
        return env

    def verify(self) -> str:
        """Where the subprocesses really import kefu from (fails loudly if not from `source`)."""
        python = ROOT / ".venv" / "bin" / "python"
        done = subprocess.run(
            [
                str(python),
                "-c",
                "import kefu.dsl.cache, kefu.engine.rules, kefu.tui.exits\n"
                "for m in (kefu.dsl.cache, kefu.engine.rules, kefu.tui.exits): print(m.__file__)",
            ],
            env=self.env(self.cwd / "verify-cache"),
            cwd=self.cwd,
            capture_output=True,
            text=True,
        )
        found = [Path(line).resolve().parent for line in done.stdout.split()] if done.returncode == 0 else []
        wanted = [self.package(name).resolve() for name in ("dsl", "engine", "tui")]
        if found != wanted:
            raise SystemExit(
                f"bench: kefu's packages are imported from {[str(f) for f in found]}, expected {self.source}: "
                f"{done.stderr[-2000:]}"
            )
        return str(self.source)

    def digest(self) -> str:
        """kefu's own code (what `kefu check` runs); a change between the runs of one series would
        make the warm run miss the cache (the cache key includes the code) and time something else."""
        digest = hashlib.blake2b(digest_size=8)
        for folder in PACKAGES:
            for path in sorted(self.package(folder).rglob("*")):
                if path.suffix in (".py", ".lark") and path.is_file():
                    digest.update(str(path.relative_to(self.package(folder))).encode())
                    digest.update(path.read_bytes())
        return digest.hexdigest()


@dataclass
class Timing:
    wall: float  # seconds the subprocess took, start to exit
    cpu: float  # user + system CPU seconds of it and of the processes it forked
    others: float | None  # share of the machine's CPU that other processes used meanwhile (0..1)


def others_share(before: tuple[float, float] | None, after: tuple[float, float] | None, own_cpu: float) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return max(0.0, (after[0] - before[0]) - own_cpu) / (after[1] - before[1])


def wait_idle(threshold: float, limit: float) -> None:
    """Wait until other processes use less than `threshold` of the machine's CPU (sampled over 2 s)."""
    waited = 0.0
    while True:
        before = machine_busy()
        time.sleep(2)
        share = others_share(before, machine_busy(), 0.0)
        if share is None or share < threshold:
            if waited:
                print(f"  (waited {waited:.0f} s for an idle machine)", file=sys.stderr, flush=True)
            return
        if waited >= limit:
            print(
                f"  (machine still {share:.0%} busy after {waited:.0f} s; measuring anyway)",
                file=sys.stderr,
                flush=True,
            )
            return
        waited += 2


def run_timed(command: list[str], env: dict[str, str], cwd: Path, timeout: float, what: str) -> tuple[Timing, str]:
    """Time one subprocess, which must exit 0; returns (timing, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_before = machine_busy()
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"bench: {what}: no answer within {timeout:.0f} s: {' '.join(command)}") from None
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    others = others_share(machine_before, machine_busy(), cpu)
    if done.returncode != 0:
        raise SystemExit(
            textwrap.dedent(f"""\
            bench: {what}: exit status {done.returncode} (expected 0)
            command: {" ".join(command)}
            --- stdout ---
            {done.stdout[-4000:]}
            --- stderr ---
            {done.stderr[-4000:]}""")
        )
    return Timing(elapsed, cpu, others), done.stdout


def check(target: Target, shop: Path, cache_dir: Path, timeout: float, what: str) -> Timing:
    timing, _ = run_timed(kefu_command() + ["check", str(shop)], target.env(cache_dir), target.cwd, timeout, what)
    return timing


# The child of measurement (d): imports, Lark's tables (which only a syntax error needs: reported, not
# part of load), then load() alone, reported as JSON.
LOAD_CHILD = """
import json, resource, sys, time
from pathlib import Path

def cpu():  # this process and the workers it forked and waited for
    usages = map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(u.ru_utime + u.ru_stime for u in usages)

t0 = time.perf_counter()
from kefu.dsl.cache import Cache
from kefu.dsl.load import load
from kefu.dsl.syntax import parser
t1 = time.perf_counter()
parser()
t2, c2 = time.perf_counter(), cpu()
result = load([Path(sys.argv[1])], Cache.disabled())
t3, c3 = time.perf_counter(), cpu()
if result.diagnostics:
    sys.exit(f"load found {len(result.diagnostics)} diagnostics, first: {result.diagnostics[0]}")
entries = sum(len(shop.entries) for shop in result.rules.shops)
print(json.dumps({"import": t1 - t0, "grammar": t2 - t1, "load": t3 - t2, "cpu": c3 - c2, "entries": entries}))
"""


def load_in_process(
    target: Target, shop: Path, cache_dir: Path, timeout: float, what: str
) -> tuple[dict[str, float], Timing]:
    python = ROOT / ".venv" / "bin" / "python"
    timing, out = run_timed(
        [str(python), "-c", LOAD_CHILD, str(shop)], target.env(cache_dir), target.cwd, timeout, what
    )
    return json.loads(out), timing


def time_json_loads(text: str, repeat: int) -> float:
    """Best of `repeat` runs of json.loads, with the garbage collector paused as kefu pauses it while
    building (otherwise its full collections over millions of new objects dominate at 100k)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            json.loads(text)
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def append_comment(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("# edited by bench/parse.py\n")


@dataclass
class Series:
    """One measurement series: (a)-(c) on one fresh cache directory, then (d)."""

    cold: Timing
    warm: Timing
    edit: Timing | None
    load: dict[str, float]  # what the child reported (seconds of imports, grammar, load; load's CPU)
    load_timing: Timing  # the child process as a whole


@dataclass
class Row:
    size: int
    layout: str
    lines: int
    megabytes: float
    files: int
    cold: float
    cold_cpu: float
    warm: float
    edit: float | None
    load: float
    load_cpu: float
    load_import: float
    load_grammar: float
    json: float
    others: float | None  # the most CPU other processes took during any of this row's runs (0..1)
    unstable: bool = False  # kefu's source changed during every attempt


def measure(
    size: int, layout: str, work: Path, entries: list[Entry], json_seconds: float, options: argparse.Namespace
) -> Row:
    """Write the shop, run `repeat` series on it, and summarise them (medians; load: the fastest)."""
    shop = work / f"shop-{size}-{layout}"
    lines, size_bytes = write_shop(shop, entries, layout)
    files = len(list(shop.rglob("*.kefu")))
    label = f"{size} {layout}"
    done: list[Series] = []
    unstable = 0
    repeat, retries = options.repeat, options.retries
    while len(done) < repeat:
        before = options.target.digest()
        series = run_series(shop, layout, work, label, options)
        shutil.rmtree(shop)
        write_shop(shop, entries, layout)  # undo the edit of (c) for the next series
        if options.target.digest() != before:
            unstable += 1
            print(f"  {label:>14}: kefu's source changed during this series", file=sys.stderr, flush=True)
            if unstable <= retries:
                print(f"  {label:>14}: measuring again ({unstable}/{retries})", file=sys.stderr, flush=True)
                continue
        done.append(series)
        edit = "" if series.edit is None else f", edit {series.edit.wall:.3f} s"
        print(
            f"  {label:>14}: cold {series.cold.wall:.2f} s (cpu {series.cold.cpu:.2f} s), "
            f"warm {series.warm.wall:.3f} s{edit}, load {series.load['load']:.2f} s "
            f"(run {len(done)}/{repeat}; others used {percent(worst_others([series]))} of the CPUs)",
            file=sys.stderr,
            flush=True,
        )
    load = min((s.load for s in done), key=lambda r: r["load"])
    if load["entries"] != size:
        raise SystemExit(f"bench: {label}: load built {load['entries']} entries, expected {size}")
    edits = [s.edit.wall for s in done if s.edit is not None]
    return Row(
        size=size,
        layout=layout,
        lines=lines,
        megabytes=size_bytes / 1e6,
        files=files,
        cold=statistics.median(s.cold.wall for s in done),
        cold_cpu=statistics.median(s.cold.cpu for s in done),
        warm=statistics.median(s.warm.wall for s in done),
        edit=statistics.median(edits) if edits else None,
        load=load["load"],
        load_cpu=load["cpu"],
        load_import=load["import"],
        load_grammar=load["grammar"],
        json=json_seconds,
        others=worst_others(done),
        unstable=unstable > retries,
    )


def worst_others(done: list[Series]) -> float | None:
    shares = [
        t.others
        for s in done
        for t in (s.cold, s.warm, s.edit, s.load_timing)
        if t is not None and t.others is not None
    ]
    return max(shares) if shares else None


def run_series(shop: Path, layout: str, work: Path, label: str, options: argparse.Namespace) -> Series:
    timeout = options.timeout

    def settle() -> None:
        if options.wait_idle is not None:
            wait_idle(options.wait_idle, options.wait_limit)

    cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    load_cache = Path(tempfile.mkdtemp(prefix="load-cache-", dir=work))  # the child's, kept apart
    try:
        settle()
        cold = check(options.target, shop, cache_dir, timeout, f"{label}: cold check")
        settle()
        warm = check(options.target, shop, cache_dir, timeout, f"{label}: warm check")
        edit = None
        if layout == "split":
            parts = sorted((shop / "faq").glob("*.kefu"))
            append_comment(parts[len(parts) // 2])
            settle()
            edit = check(options.target, shop, cache_dir, timeout, f"{label}: check after editing one file")
        settle()
        load, load_timing = load_in_process(options.target, shop, load_cache, timeout, f"{label}: in-process load")
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(load_cache, ignore_errors=True)
    return Series(cold, warm, edit, load, load_timing)


# -- broken files --------------------------------------------------------------------------------

MUTATIONS = ("missing }", "stray {", 'missing "')
FINDING = re.compile(r"^\S.*:\d+:\d+: (?:error|warning)\[K\d+\]: (.*)$", re.M)


def mutate(text: str, mutation: str) -> str:
    """`text` (a single-file shop) with one mistake in the entry nearest its middle."""
    lines = text.split("\n")
    start = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("faq "))
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    if mutation == "missing }":
        del lines[end]
    elif mutation == "stray {":
        ask = next(i for i in range(start, end) if lines[i].lstrip().startswith("ask "))
        lines[ask] += " {"
    elif mutation == 'missing "':
        reply = next(i for i in range(start, end) if lines[i].lstrip().startswith("reply "))
        assert lines[reply].endswith('"')
        lines[reply] = lines[reply][:-1]
    else:
        raise ValueError(f"unknown mutation {mutation!r}")
    return "\n".join(lines)


@dataclass
class BrokenRow:
    size: int
    mutation: str
    clean: float  # seconds, cold kefu check of the clean file (exit 0)
    broken: float  # seconds, cold kefu check of the mutant (exit 1)
    findings: int  # findings printed for the mutant
    repeated: int  # how often its most repeated message was printed


def check_findings(target: Target, shop: Path, cache_dir: Path, timeout: float, what: str) -> tuple[float, list[str]]:
    """Time a cold `kefu check` that must find something (exit 1); return the messages it printed."""
    command = kefu_command() + ["check", str(shop)]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, env=target.env(cache_dir), capture_output=True, text=True, timeout=timeout, cwd=target.cwd
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"bench: {what}: no answer within {timeout:.0f} s: {' '.join(command)}") from None
    elapsed = time.perf_counter() - start
    if done.returncode != 1:
        raise SystemExit(
            f"bench: {what}: exit status {done.returncode} (expected 1, findings)\n"
            f"--- stdout ---\n{done.stdout[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}"
        )
    return elapsed, FINDING.findall(done.stdout)


def measure_broken(size: int, work: Path, entries: list[Entry], options: argparse.Namespace) -> list[BrokenRow]:
    """Cold checks of the clean single-file shop and of its three mutants, `repeat` times each (medians)."""
    clean_shop = work / f"broken-{size}-clean"
    write_shop(clean_shop, entries, "single")
    text = (clean_shop / "shop.kefu").read_text(encoding="utf-8")
    shops = {}
    for number, mutation in enumerate(MUTATIONS):
        shops[mutation] = work / f"broken-{size}-{number}"
        shops[mutation].mkdir()
        (shops[mutation] / "shop.kefu").write_text(mutate(text, mutation), encoding="utf-8")
    clean: list[float] = []
    broken: dict[str, list[float]] = {mutation: [] for mutation in MUTATIONS}
    messages: dict[str, list[str]] = {}
    for _ in range(options.repeat):  # the clean file and its mutants in turns, so they share the load
        cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
        clean.append(check(options.target, clean_shop, cache_dir, options.timeout, f"{size} clean").wall)
        for mutation, shop in shops.items():
            cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
            seconds, messages[mutation] = check_findings(
                options.target, shop, cache_dir, options.timeout, f"{size} {mutation}"
            )
            broken[mutation].append(seconds)
    rows = []
    for mutation in MUTATIONS:
        repeated = max(Counter(messages[mutation]).values(), default=0)
        row = BrokenRow(
            size,
            mutation,
            statistics.median(clean),
            statistics.median(broken[mutation]),
            len(messages[mutation]),
            repeated,
        )
        print(
            f"  {size:>8} {mutation:>10}: clean {row.clean:.2f} s, broken {row.broken:.2f} s, {row.findings} findings",
            file=sys.stderr,
            flush=True,
        )
        rows.append(row)
    return rows


def broken_table(rows: list[BrokenRow]) -> str:
    header = ("entries", "mistake", "clean s", "broken s", "ratio", "findings", "most repeated", "goal")
    body = [header]
    for r in rows:
        ratio = r.broken / r.clean if r.clean > 0 else float("inf")
        body.append(
            (
                f"{r.size:,}",
                r.mutation,
                f"{r.clean:.2f}",
                f"{r.broken:.2f}",
                f"{ratio:.2f}x",
                str(r.findings),
                f"{r.repeated}x",
                "met" if ratio <= GOAL_BROKEN_RATIO else "NOT met",
            )
        )
    widths = [max(len(row[i]) for row in body) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) if i == 1 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in body
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- reporting -----------------------------------------------------------------------------------


def machine_info() -> str:
    try:
        from importlib.metadata import version

        versions = f"kefu {version('kefu')}, lark {version('lark')}, pydantic {version('pydantic')}"
    except Exception:
        versions = "versions unknown"
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return (
        f"machine: {platform.machine()} {platform.system()} {platform.release()}; "
        f"cpu count {os.cpu_count()} (usable {affinity}); {platform.processor() or 'cpu model unknown'}\n"
        f"python {platform.python_version()} ({sys.executable}); {versions}"
    )


def git_state() -> str:
    """The commit measured, and whether kefu's packages have uncommitted changes (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", *PACKAGES],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "git commit unknown"
    return f"commit {commit}" + (" + uncommitted changes in " + ", ".join(PACKAGES) if dirty else "")


def bytecode_note(target: Target) -> str:
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        cached = any((target.package(package) / "__pycache__").is_dir() for package in PACKAGES)
        return "PYTHONDONTWRITEBYTECODE is set: " + (
            "kefu's existing .pyc files are used"
            if cached
            else "kefu has no .pyc files, so every run compiles its modules from source (counted in the times)"
        )
    return "bytecode: Python writes and reuses .pyc files as usual"


def percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.0%}"


def rate(lines: int, seconds: float) -> str:
    per_second = lines / seconds if seconds > 0 else float("inf")
    return f"{per_second / 1e3:,.0f}k" if per_second >= 1e4 else f"{per_second:,.0f}"


def table(rows: list[Row]) -> str:
    header = (
        "entries",
        "layout",
        "files",
        "lines",
        "MB",
        "cold s",
        "(cpu s)",
        "lines/s",
        "warm s",
        "edit1 s",
        "load s",
        "(cpu s)",
        "json s",
        "json lines/s",
        "ratio",
        "others",
    )
    body = [header]
    for r in rows:
        body.append(
            (
                f"{r.size:,}",
                r.layout + ("*" if r.unstable else ""),
                str(r.files),
                f"{r.lines:,}",
                f"{r.megabytes:.1f}",
                f"{r.cold:.2f}",
                f"({r.cold_cpu:.2f})",
                rate(r.lines, r.cold),
                f"{r.warm:.3f}",
                "-" if r.edit is None else f"{r.edit:.3f}",
                f"{r.load:.2f}",
                f"({r.load_cpu:.2f})",
                f"{r.json:.4f}",
                rate(r.lines, r.json),
                f"{r.cold / r.json:,.0f}x",
                percent(r.others),
            )
        )
    widths = [max(len(row[i]) for row in body) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 1 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))
        )
        for row in body
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any(r.unstable for r in rows):
        lines.append("* kefu's source code changed while this row was measured (every attempt): not trustworthy")
    return "\n".join(lines)


def legend() -> str:
    return textwrap.dedent("""\
        cold s   kefu check, empty cache, fresh process, wall clock; (cpu s): user+system CPU of it and its workers
        lines/s  lines / cold s                     warm s   kefu check again, nothing changed
        edit1 s  kefu check after appending a comment to one faq/ file (split layout)
        load s   kefu.dsl.load.load(..., Cache.disabled()) in a child process, imports excluded
        json s   json.loads of the same entries (best of runs); json lines/s counts the kefu lines
        ratio    cold s / json s
        others   the most CPU that other processes on this machine took during this row's runs (noise)""")


def startup_note(rows: list[Row]) -> str:
    if not rows:
        return ""
    r = rows[0]
    return (
        f"in-process child, {r.size:,} {r.layout}: imports {r.load_import:.2f} s, "
        f"Lark's tables {r.load_grammar:.2f} s (built only to word a syntax error: a clean check never builds them)"
    )


def goals(rows: list[Row], broken: list[BrokenRow]) -> str:
    lines = [f"goals: {GOAL_SIZE // 1000}k entries: cold <= {GOAL_COLD_S:g} s, unchanged <= {GOAL_WARM_S:g} s"]
    measured = [r for r in rows if r.size == GOAL_SIZE]
    if not measured:
        lines.append(f"  ({GOAL_SIZE:,} entries not measured in this run)")
    for r in measured:
        cold_ok = "met" if r.cold <= GOAL_COLD_S else "NOT met"
        warm_ok = "met" if r.warm <= GOAL_WARM_S else "NOT met"
        lines.append(f"  {r.layout:<6}  cold {r.cold:.2f} s: {cold_ok:<7}  unchanged {r.warm:.3f} s: {warm_ok}")
    if broken:
        worst = max(broken, key=lambda r: r.broken / r.clean if r.clean > 0 else float("inf"))
        ratio = worst.broken / worst.clean if worst.clean > 0 else float("inf")
        verdict = "met" if ratio <= GOAL_BROKEN_RATIO else "NOT met"
        lines.append(
            f"  one mistake: at most {GOAL_BROKEN_RATIO:g}x the clean check; worst {ratio:.2f}x "
            f"({worst.size:,} entries, {worst.mutation}): {verdict}"
        )
    return "\n".join(lines)


def profile(size: int, layout: str, work: Path, top: int, source: Path) -> None:
    """cProfile one in-process load (cache disabled) and print the top functions by own time."""
    import cProfile
    import pstats

    shop = work / f"profile-{size}-{layout}"
    write_shop(shop, [make_entry(i) for i in range(size)], layout)
    os.environ["KEFU_CACHE_DIR"] = str(work / "profile-cache")
    sys.path.insert(0, str(source))
    from kefu.dsl.cache import Cache
    from kefu.dsl.load import load

    os.environ["KEFU_SERIAL"] = "1"  # a forked child's time would not show up in the profile
    profiler = cProfile.Profile()
    profiler.enable()
    load([shop], Cache.disabled())
    profiler.disable()
    del os.environ["KEFU_SERIAL"]
    print(f"\nprofile: load() of {size:,} entries, {layout} layout, serial, cache disabled")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


# -- main ----------------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "").replace("k", "000")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are numbers separated by commas, got {text!r}") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="See the module docstring for what is measured and why.",
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated entry counts (default: 1000,10000,100000; 10k also works)",
    )
    parser.add_argument("--quick", action="store_true", help="only 1k and 10k entries")
    parser.add_argument(
        "--smoke", action="store_true", help="only 100 entries: runs in seconds, to check that the script works"
    )
    parser.add_argument("--no-broken", action="store_true", help="skip the rows of files with one mistake")
    parser.add_argument("--layouts", default="single,split", help="single, split or both (default)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measurement series per size and layout; the table shows medians (default 1)",
    )
    parser.add_argument("--json-repeat", type=int, default=5, help="json.loads runs; the best is kept (default 5)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one subprocess may take (default 900)")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="measure a series again when kefu's source changed during it, at most this many times (default 2)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        metavar="SHARE",
        nargs="?",
        const=0.1,
        help="before each timed run, wait until other processes use less than SHARE of the "
        "CPUs (default 0.1 when given without a value)",
    )
    parser.add_argument(
        "--wait-limit",
        type=float,
        default=600,
        help="give up waiting for an idle machine after this many seconds and measure anyway (default 600)",
    )
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="measure a copy of kefu's source taken at "
        "the start (via PYTHONPATH), so edits to the working tree during the run do not matter",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated shops and print where they are")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="also cProfile an in-process load of N entries (single layout) and print the top costs",
    )
    parser.add_argument("--top", type=int, default=25, help="rows of profile output (default 25)")
    args = parser.parse_args(argv)
    sizes = list(SMOKE_SIZES) if args.smoke else list(QUICK_SIZES) if args.quick else args.sizes
    layouts = [layout.strip() for layout in args.layouts.split(",") if layout.strip()]
    if any(layout not in ("single", "split") for layout in layouts):
        parser.error("--layouts takes single and/or split")
    if args.repeat < 1 or args.json_repeat < 1:
        parser.error("--repeat and --json-repeat must be at least 1")

    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr progress in order
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` removes the temp dir
    print(machine_info())
    print(
        f"load average before: {load_average()}; other processes on this machine inflate wall times "
        f"(see the 'others' column{'' if args.wait_idle is not None else ', and --wait-idle'})"
    )
    print(
        f"sizes {', '.join(f'{s:,}' for s in sizes)}; layouts {', '.join(layouts)}; "
        f"{ENTRIES_PER_FILE:,} entries per file when split; repeat {args.repeat}"
    )
    work = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    rows: list[Row] = []
    broken_rows: list[BrokenRow] = []
    started = time.perf_counter()
    try:
        args.target = Target.make(work, args.snapshot)
        print(
            f"kefu source: {args.target.verify()}{' (a snapshot of ' + str(ROOT) + ')' if args.snapshot else ''}; "
            f"{git_state()}"
        )
        print(bytecode_note(args.target) + "\n")
        for size in sizes:
            entries = [make_entry(i) for i in range(size)]
            json_seconds = time_json_loads(json_text(entries), args.json_repeat)
            for layout in layouts:
                rows.append(measure(size, layout, work, entries, json_seconds, args))
            if not args.no_broken:
                broken_rows.extend(measure_broken(size, work, entries, args))
        print(table(rows))
        print()
        print(legend())
        print(startup_note(rows))
        if broken_rows:
            print("\nfiles with one mistake in the middle entry, next to the clean file (cold kefu check each):")
            print(broken_table(broken_rows))
        print()
        print(goals(rows, broken_rows))
        print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s; load average after: {load_average()}")
        if args.profile:
            profile(args.profile, "single", work, args.top, args.target.source)
    finally:
        if args.keep:
            print(f"\nkept the generated shops in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
