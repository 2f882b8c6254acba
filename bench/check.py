"""What K046 and `kefu lint` cost: loading rules with and without the rules that need each shop's matcher.

Every command loads rules (`kefu.dsl.load.load`); only `kefu check` also runs the rules that need the
shop's matcher (`with_matcher=True`: K046, which reads the matcher's calibration). This benchmark times
both loads of the same shops, each in a FRESH child process (so nothing is warm: the first load of a
process is what a command waits for), alternated run by run so both see the same machine:

- ``load``: `load([PATH], Cache.disabled())`, what every command and the terminal UI wait for (the
  baseline: it must not change);
- ``check``: `load([PATH], Cache.disabled(), with_matcher=True)`, what a cold `kefu check` waits for;
- ``lint``: `load([PATH], Cache.disabled(), lint=True)`, what a cold `kefu lint` waits for (every ask
  matched through the matcher, the shop's tests run).

Both are timed inside the child after kefu's own imports; ``numpy+scipy`` is the extra import the
matcher brings (timed in the child too, before its load). Each figure is the median of the runs, in
wall seconds and CPU seconds (user + system of the child); ``others`` is the largest share of the
machine's CPU other processes used during a run (from /proc/stat): on a busy machine wall seconds
grow, CPU seconds much less.

Shops: the demo shops (``rules/``) and `bench/parse.py`'s synthetic one-file shop of N entries (three
asks each; 10,000 by default).

Usage::

    .venv/bin/python bench/check.py                 # rules/ and 10,000 entries, 5 runs each
    .venv/bin/python bench/check.py --sizes 1000,10000 --runs 3
    .venv/bin/python bench/check.py --smoke         # rules/ and 100 entries, one run: seconds (the tests run it)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import machine_busy  # bench/machine.py, beside this script
from parse import make_entry, others_share, write_shop  # bench/parse.py's synthetic shop

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
from pathlib import Path
from kefu.dsl.cache import Cache
from kefu.dsl.load import load
with_matcher = sys.argv[2] in ("check", "lint")
wall, used = time.perf_counter(), cpu()
if with_matcher:
    import kefu.engine.matcher  # numpy and scipy: what the matcher's rules add to the imports
imports = (time.perf_counter() - wall, cpu() - used)
wall, used = time.perf_counter(), cpu()
result = load([Path(sys.argv[1])], Cache.disabled(), with_matcher=with_matcher, lint=sys.argv[2] == "lint")
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": cpu() - used, "imports": imports,
                  "findings": sorted({d.code for d in result.diagnostics})}))
"""


def child(path: Path, kind: str) -> tuple[dict, float | None]:
    """One timed load in a fresh process, and the share of the machine other processes used meanwhile."""
    before, spent = machine_busy(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), kind], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    others = others_share(before, machine_busy(), children_cpu() - spent)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} load of {path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout), others


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, path: Path, runs: int) -> str:
    rows: dict[str, list[dict]] = {"load": [], "check": [], "lint": []}
    worst = 0.0
    for _ in range(runs):
        for kind in rows:
            figures, others = child(path, kind)
            rows[kind].append(figures)
            worst = max(worst, others or 0.0)

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[kind])

    imports = statistics.median(r["imports"][0] for r in rows["check"])
    imports_cpu = statistics.median(r["imports"][1] for r in rows["check"])
    load_w, load_c = median("load", "wall"), median("load", "cpu")
    check_w, check_c = median("check", "wall"), median("check", "cpu")
    lint_w, lint_c = median("lint", "wall"), median("lint", "cpu")
    findings = ", ".join(rows["check"][0]["findings"]) or "none"
    linted = ", ".join(rows["lint"][0]["findings"]) or "none"
    extra_w, extra_c = check_w + imports - load_w, check_c + imports_cpu - load_c
    return (
        f"| {name} | {load_w:.2f} / {load_c:.2f} | {check_w:.2f} / {check_c:.2f} | "
        f"{imports:.2f} / {imports_cpu:.2f} | +{extra_w:.2f} / +{extra_c:.2f} | {findings} | "
        f"{lint_w:.2f} / {lint_c:.2f} | {linted} | {worst:.0%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="entries of the synthetic shops, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="rules/ and 100 entries, one run")
    options = parser.parse_args()
    sizes = [100] if options.smoke else [int(size) for size in options.sizes.split(",")]
    runs = 1 if options.smoke else options.runs
    print(f"kefu source: {ROOT}; {runs} run(s) of each load, alternated, each in a fresh process")
    print(
        "| shops | load wall / cpu s (every command) | check wall / cpu s (kefu check) | "
        "numpy+scipy import wall / cpu s | check's extra wall / cpu s | findings of check | "
        "lint wall / cpu s (kefu lint) | findings of lint | others |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(measure("rules/ (demo shops)", ROOT / "rules", runs), flush=True)
    with tempfile.TemporaryDirectory() as work:
        for size in sizes:
            folder = Path(work) / f"shop-{size}"
            write_shop(folder, [make_entry(number) for number in range(size)], "single")
            print(measure(f"{size:,} entries, one file", folder, runs), flush=True)


if __name__ == "__main__":
    main()
