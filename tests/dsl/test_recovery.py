"""Broken files stay fast (issue 9, point 9): one mistake is reported once, the rest of the file is
still read, and reading past it costs time linear in the file.

The property test mutates a large generated shop by one token (a brace, a quote, a keyword or a
newline, deleted, duplicated or inserted) and checks the mutant's check against the clean one:
never more than 4x its time (with a floor of a second: the old recovery took 30 s for 300 entries),
and no message printed more than twice. Quick by default; `--hypothesis-profile=fuzz` runs more.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from kefu.dsl.load import LoadResult, load
from kefu.dsl.syntax import Document, parse

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from parse import HEADER, kefu_entry, make_entry  # bench/parse.py: its generated shop

ENTRIES = 300


@lru_cache(maxsize=1)
def large_shop() -> str:
    return HEADER + "\n" + "".join(kefu_entry(make_entry(number)) for number in range(ENTRIES))


def check_text(text: str) -> tuple[LoadResult, float]:
    with tempfile.TemporaryDirectory(prefix="kefu-recovery-") as folder:
        os.mkdir(os.path.join(folder, ".git"))  # stops the search for an enclosing shop
        path = Path(folder) / "shop.kefu"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        result = load([path])
        return result, time.perf_counter() - start


def middle_entry(text: str) -> tuple[int, int]:
    """Line indexes of the `faq` line and the closing `}` of the entry nearest the middle."""
    lines = text.split("\n")
    start = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("faq "))
    return start, next(i for i in range(start, len(lines)) if lines[i] == "}")


def entry_ids(result: LoadResult) -> list[str]:
    return [entry.id for shop in result.rules.shops for entry in shop.entries]


def test_a_missing_closing_brace_is_reported_once_where_the_next_statement_starts() -> None:
    lines = large_shop().split("\n")
    start, end = middle_entry(large_shop())
    del lines[end]
    result, _ = check_text("\n".join(lines))
    [found] = result.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("K001", end + 1, 1)
    assert found.message.startswith(f"'faq' starts a statement inside the block opened at line {start + 1}")
    assert found.help == "close that block with '}' on its own line above this statement"
    assert [(s.line, s.column) for s in found.related] == [(start + 1, lines[start].index("{") + 1)]
    broken = lines[start].split()[1]
    assert entry_ids(result) == [make_entry(n).id for n in range(ENTRIES) if make_entry(n).id != broken]


def test_a_stray_opening_brace_is_reported_once() -> None:
    lines = large_shop().split("\n")
    start, _ = middle_entry(large_shop())
    lines[start + 1] += " {"
    result, _ = check_text("\n".join(lines))
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("K001", start + 8)]


def test_a_missing_quote_is_reported_once_and_only_its_entry_is_lost() -> None:
    lines = large_shop().split("\n")
    _, end = middle_entry(large_shop())
    lines[end - 1] = lines[end - 1][:-1]  # the reply line loses its closing quote
    document = parse("\n".join(lines), "shop.kefu")
    assert [(d.code, d.span.line) for d in document.diagnostics] == [("K002", end)]
    assert len(document.stmts) == ENTRIES + 2 - 1


def test_every_syntax_error_is_reported_once_up_to_the_cap() -> None:
    lines = large_shop().split("\n")
    closing = [i for i, line in enumerate(lines) if line == "}"][2::10][:5]
    for index in reversed(closing):
        del lines[index]
    document = parse("\n".join(lines), "shop.kefu")
    assert [d.span.line for d in document.diagnostics] == [index + 1 - k for k, index in enumerate(closing)]


# -- the property ------------------------------------------------------------------------------

TOKENS = ["{", "}", '"', "faq", "ask", "reply", "\n"]


@st.composite
def one_token_mutants(draw: st.DrawFn) -> tuple[str, str]:
    text = large_shop()
    token = draw(st.sampled_from(TOKENS), label="token")
    operation = draw(st.sampled_from(["delete", "duplicate", "insert"]), label="operation")
    if operation == "insert":
        at = draw(st.integers(0, len(text)), label="offset")
        return f"insert {token!r} at {at}", text[:at] + token + text[at:]
    places = [i for i in range(len(text)) if text.startswith(token, i)]
    at = places[draw(st.integers(0, len(places) - 1), label="occurrence")]
    kept = token if operation == "duplicate" else ""
    return f"{operation} {token!r} at {at}", text[:at] + kept + text[at:]


@lru_cache(maxsize=1)
def clean_seconds() -> float:
    result, _ = check_text(large_shop())
    assert result.diagnostics == []
    return min(check_text(large_shop())[1] for _ in range(3))


@settings(
    max_examples=max(settings().max_examples // 4, 5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(one_token_mutants())
def test_a_one_token_mistake_costs_at_most_a_few_clean_checks(case: tuple[str, str]) -> None:
    what, text = case
    note(what)
    limit = max(4 * clean_seconds(), 1.0)
    result, seconds = check_text(text)
    if seconds > limit:  # a busy machine: measure once more before blaming the parser
        result, seconds = check_text(text)
    assert seconds <= limit, f"{what}: {seconds:.2f} s, clean {clean_seconds():.2f} s"
    printed = Counter((d.code, d.message) for d in result.diagnostics)
    assert max(printed.values(), default=0) <= 2, printed.most_common(3)


def test_a_large_file_built_in_two_halves_reports_what_a_plain_parse_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """dsl.chunks builds a large file in two processes; a mistake in either half, or in the statement
    before the cut, gives the diagnostics and entries of one plain parse of the whole file, without
    parsing the whole file again."""
    from kefu.dsl import chunks
    from kefu.dsl.build import build

    monkeypatch.setattr(chunks, "PARALLEL_BYTES", 20_000)  # "large" from 20 kB on, so the test stays quick
    whole_parses: list[dict[str, object]] = []  # the keywords of each parse in this process

    def counted(*args: Any, **keywords: Any) -> Document:
        whole_parses.append(keywords)
        return parse(*args, **keywords)

    monkeypatch.setattr(chunks, "parse", counted)
    text = large_shop()
    cut = chunks._cut(text)
    assert chunks._parallel_ok(len(text)) and cut is not None
    lines = text.split("\n")
    at_cut = text.count("\n", 0, cut)
    closing = [i for i, line in enumerate(lines) if line == "}"]
    before_cut = max(i for i in closing if i < at_cut)
    for broken, quote in ((closing[5], False), (before_cut, False), (before_cut, True), (closing[-3], True)):
        changed = lines[:broken] + lines[broken + 1 :]  # a closing brace deleted
        if quote:
            changed[broken - 2] = changed[broken - 2][:-1]  # and a quote missing two lines above it
        whole = build(parse("\n".join(changed), "big.kefu"))
        whole_parses.clear()
        halves = chunks.build_text("\n".join(changed), "big.kefu")
        assert [d.model_dump() for d in halves.diagnostics] == [d.model_dump() for d in whole.diagnostics]
        assert [e.id for e in halves.faqs] == [e.id for e in whole.faqs]
        assert whole_parses == [{"end": chunks._cut("\n".join(changed))}]  # the first half only


def test_a_cut_inside_a_block_parses_the_whole_file_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.dsl import chunks
    from kefu.dsl.build import build

    monkeypatch.setattr(chunks, "PARALLEL_BYTES", 20_000)
    text = large_shop()
    middle = text.index("\n", len(text) // 2) + 1
    while text.startswith("faq", middle) or text.startswith("}", middle):  # a line inside an entry
        middle = text.index("\n", middle) + 1
    text = text[:middle] + "bot off\n" + text[middle:]  # valid: 'bot' at column 1 inside a block
    assert chunks._cut(text) == middle
    whole = build(parse(text, "big.kefu"))
    halves = chunks.build_text(text, "big.kefu")
    assert [d.model_dump() for d in halves.diagnostics] == [d.model_dump() for d in whole.diagnostics]
    assert [e.id for e in halves.faqs] == [e.id for e in whole.faqs]
    assert not [d for d in whole.diagnostics if d.code in ("K001", "K002")]
