"""bench/variants.py runs as docs/matching.md gives it: shops built from the raw public data with
seeds the constants were never chosen on, intents held out of their knowledge base, measured next to
the naive baselines. The raw data lives beside the checkout (../shared/eval/raw): without it, this
is skipped."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

RAW = ROOT.parent / "shared" / "eval" / "raw"
NUMBER = r"\s+(\d+\.\d)"
ROW = re.compile(
    rf"^(xsid-(?:en|id|zh)-k(?:5|10)-s1)\s+(\d+)\s+(\d+)\s+(\d+) \|{NUMBER}{NUMBER} \|"
    rf"\s+(\d+\.\d)/\s*(\d+\.\d)\s+(\d+\.\d)/\s*(\d+\.\d){NUMBER} \|{NUMBER}$"
)


def test_bench_variants_measures_unseen_shops_with_held_out_intents_next_to_the_baselines() -> None:
    if not (RAW / "xsid" / "en.test.conll").is_file():
        pytest.skip(f"the raw eval data is not beside this checkout ({RAW})")
    done = subprocess.run(
        [sys.executable, "bench/variants.py", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [m.groups() for m in map(ROW.match, done.stdout.splitlines()) if m]
    assert sorted(row[0] for row in rows) == sorted(
        f"xsid-{lang}-k{k}-s1" for lang in ("en", "id", "zh") for k in (5, 10)
    )
    for _, entries, queries, oos, *figures in rows:
        assert 0 < int(oos) < int(queries) and int(entries) > 1  # intents held out: their queries are out of scope
        assert all(0 <= float(f) <= 100 for f in figures)
    assert re.search(r"^all\s+6\s+\d+\s+\d+\s+\d+\.\d", done.stdout, re.M)
    assert "smallest penalty keeping every shop that sends at 95%" in done.stdout
    chance = re.search(
        r"^shops under 95% by sampling alone, .*: (\d+\.\d) expected \(5-95%: (\d+)-(\d+)\); observed: (\d+)$",
        done.stdout,
        re.M,
    )
    assert chance, done.stdout[-2000:]
    expected, low, high, observed = float(chance[1]), int(chance[2]), int(chance[3]), int(chance[4])
    assert 0 <= low <= high <= 6 and 0 <= expected <= 6 and 0 <= observed <= 6
    shown = re.search(
        r"^shops shown under 95% alone \(one-sided binomial test, 0.05\): (\d+).*; "
        r"if every shop sent exactly 95% right: (\d+\.\d) expected$",
        done.stdout,
        re.M,
    )
    assert shown, done.stdout[-2000:]
    assert int(shown[1]) <= observed and 0 < float(shown[2]) <= 6 * 0.05  # the test's own false alarms


def test_at_target_counts_the_false_alarms_of_the_shown_under_test() -> None:
    """A shop right exactly 95% of the time is flagged by `shown_under` at most ALPHA of the time, and
    a shop sending nothing never is."""
    sys.path.insert(0, str(ROOT / "bench"))
    import variants  # type: ignore[import-not-found]

    assert variants.at_target([0]) == 0.0
    for sent in (15, 50, 100, 400):
        alarm = variants.at_target([sent])
        assert 0 < alarm < 0.05
    assert variants.at_target([50, 50]) == pytest.approx(2 * variants.at_target([50]))


def test_bench_variants_refuses_a_missing_raw_folder() -> None:
    done = subprocess.run(
        [sys.executable, "bench/variants.py", "--raw", "/nonexistent/raw"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        done.returncode == 1
        and done.stderr.strip() == "bench/variants.py: no raw eval data at /nonexistent/raw (give --raw DIR)"
    )
