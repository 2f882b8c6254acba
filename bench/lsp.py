"""How fast `kefu lsp` answers while a user types in a large shop.

A synthetic shop of N entries (`bench/parse.py`'s entries; 10,000 by default) is written as a
`shop.kefu` header and files of 1,000 entries under `faq/`. `kefu lsp --no-lint` is started as an
editor starts it (a subprocess spoken to over stdio by pygls' client, `tests/tui/lsp_client.py`),
and one file of 1,000 entries is opened. Then:

- ``diagnostics``: one line of that file is changed (an incremental `didChange`: an entry's `reply`
  becomes `replyy`, an unknown field, then back), and the time until the server publishes that
  document's diagnostics for the new version is taken; p50 and p95 over the changes. The lint rules
  are off (`--no-lint`): they run on save in a child process and do not hold up what is timed here;
- ``hover`` and ``completion``: p95 of a hover over an entry id and over a field, and of a
  completion on a new line inside an entry (statements) and after `faq ` at the top level;
- ``memory``: the server's resident memory (VmRSS, and its peak VmHWM) with the shop open;
- the baseline, in the same run: a cold `kefu check` of that file (a fresh cache folder; a file is
  checked with the rest of its shop), what a user without the server runs after saving.

Goals (issue 14): diagnostics p95 <= 300 ms; hover and completion p95 <= 50 ms.

Usage::

    .venv/bin/python bench/lsp.py                 # 10,000 entries, 40 changes
    .venv/bin/python bench/lsp.py --entries 2000 --changes 20
    .venv/bin/python bench/lsp.py --smoke         # 200 entries in files of 100, 6 changes: seconds (the tests run it)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from parse import HEADER, kefu_entry, make_entry  # bench/parse.py's synthetic shop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tui.lsp_client import KEFU, Client  # noqa: E402  (the tests' client, from the checkout)

GOAL_DIAGNOSTICS_MS = 300
GOAL_ANSWER_MS = 50


def write_shop(folder: Path, entries: int, per_file: int) -> Path:
    """The shop's folder with its header and entry files; returns the first entry file."""
    (folder / "faq").mkdir(parents=True)
    (folder / "shop.kefu").write_text(HEADER, encoding="utf-8")
    first = None
    for start in range(0, entries, per_file):
        path = folder / "faq" / f"part-{start // per_file:04d}.kefu"
        path.write_text("".join(kefu_entry(make_entry(n)) for n in range(start, min(start + per_file, entries))))
        first = first or path
    assert first is not None
    return first


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":")
            found[name] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def cold_check(folder: Path, file: Path) -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "KEFU_CACHE_DIR": cache}
        started = time.perf_counter()
        done = subprocess.run(
            [str(KEFU), "check", str(file.relative_to(folder))], cwd=folder, env=env, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: kefu check failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


async def measure(folder: Path, file: Path, changes: int, answers: int) -> dict[str, object]:
    client = Client(folder, "--no-lint")
    started = time.perf_counter()
    await client.start([folder])
    uri = client.open(file)
    await client.diagnostics_for(uri, lambda d: d == [], timeout=600)
    opened = time.perf_counter() - started
    text = file.read_text(encoding="utf-8")
    lines = text.split("\n")
    replies = [n for n, line in enumerate(lines) if line.startswith("    reply ")]
    step = max(1, len(replies) // max(changes, 1))
    timings: list[float] = []
    for index in range(changes):
        line = replies[(index // 2 * step) % len(replies)]  # broken by one change, mended by the next
        broken = index % 2 == 0  # reply -> replyy (K010), then back on the next change
        version = client.versions[uri] + 1
        sent = time.perf_counter()
        client.edit(uri, line, 4, 9 if broken else 10, "replyy" if broken else "reply")
        found = await client.diagnostics_for(
            uri, lambda d, v=version: client.published_version.get(uri) == v, timeout=120
        )
        timings.append((client.published[uri] - sent) * 1000)
        assert bool(found) == broken, found
    if changes % 2:  # leave the file clean
        client.edit(uri, line, 4, 10, "reply")
        await client.diagnostics_for(uri, lambda d: d == [], timeout=120)
    heads = [n for n, line in enumerate(lines) if line.startswith("faq ")]
    hovers: list[float] = []
    completions: list[float] = []
    for index in range(answers):
        head = heads[(index * 37) % len(heads)]
        sent = time.perf_counter()
        found = await (client.hover(uri, head, 6) if index % 2 == 0 else client.hover(uri, head + 1, 5))
        hovers.append((time.perf_counter() - sent) * 1000)
        assert found is not None
        sent = time.perf_counter()
        items = await (client.completion(uri, head + 5, 4) if index % 2 == 0 else client.completion(uri, head, 0))
        completions.append((time.perf_counter() - sent) * 1000)
        assert items
    server = client.client._server
    assert server is not None
    rss, peak = memory(server.pid)
    await client.stop()
    return {
        "opened": opened,
        "diagnostics": timings,
        "hover": hovers,
        "completion": completions,
        "rss": rss,
        "peak": peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=1_000)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--answers", type=int, default=40)
    parser.add_argument("--smoke", action="store_true", help="a small shop and a few changes: seconds")
    options = parser.parse_args(argv)
    if options.smoke:
        options.entries, options.per_file, options.changes, options.answers = 200, 100, 6, 6
    with tempfile.TemporaryDirectory(prefix="kefu-bench-lsp-") as work:
        folder = Path(work) / "shop"
        file = write_shop(folder, options.entries, options.per_file)
        (Path(work) / ".git").mkdir()
        cold = cold_check(folder, file)
        figures = asyncio.run(measure(folder, file, options.changes, options.answers))
    diagnostics = figures["diagnostics"]
    hover = figures["hover"]
    completion = figures["completion"]
    assert isinstance(diagnostics, list) and isinstance(hover, list) and isinstance(completion, list)
    print(
        f"kefu lsp: a file of {options.per_file:,} entries in a shop of {options.entries:,}; "
        f"{options.changes} one-line changes, {options.answers} hovers and completions"
    )
    print()
    print("| what | figure | goal |")
    print("|---|---|---|")
    print(f"| baseline: cold `kefu check` of the file | {cold * 1000:.0f} ms | |")
    print(f"| open: start, initialise, first diagnostics | {figures['opened'] * 1000:.0f} ms | |")
    print(f"| didChange -> diagnostics p50 | {statistics.median(diagnostics):.0f} ms | |")
    print(f"| didChange -> diagnostics p95 | {percentile(diagnostics, 0.95):.0f} ms | <= {GOAL_DIAGNOSTICS_MS} ms |")
    print(f"| hover p95 | {percentile(hover, 0.95):.1f} ms | <= {GOAL_ANSWER_MS} ms |")
    print(f"| completion p95 | {percentile(completion, 0.95):.1f} ms | <= {GOAL_ANSWER_MS} ms |")
    print(f"| server memory (RSS / peak) | {figures['rss']:.0f} / {figures['peak']:.0f} MiB | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
