"""Parsing is reentrant (issue 9, point 6): the app reloads rules in a worker thread while the engine
runs, so parses in several threads at once must each get exactly what a parse alone gets.

Every demo shop file, every fixture and a few broken texts (so Lark's diagnostic path runs too) are
parsed and built sequentially first; then the same texts, shuffled, in eight threads at once for
many rounds, with the interpreter switching threads as often as it can. Statements, comments (what
the formatter needs), diagnostics and the built entries must equal the sequential results.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from kefu.dsl.build import build
from kefu.dsl.syntax import Document, parse

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 12
THREADS = 8

BROKEN = {
    "missing-brace.kefu": 'shop a "A"\nstaff { owner mia }\nfaq x "X" {\n    ask "x"  # one\nfaq y "Y" {\n'
    '    ask "y"\n    reply "y"\n}\n',
    "missing-quote.kefu": 'shop a "A"\nstaff { owner mia }\nfaq x "X" {\n    ask "x\n    reply "y"\n}\n# two\n',
    "stray-brace.kefu": 'shop a "A"\n}\nstaff { owner mia } bot\nfaq , x\n{\n',
    "comments.kefu": '# a\nshop a "A" {  # b\n    closed 2026-01-01,  # c\n        2026-01-02\n}\n',
}


def sources() -> list[tuple[str, str]]:
    files = sorted((ROOT / "rules").rglob("*.kefu")) + sorted((ROOT / "tests" / "dsl" / "fixtures").rglob("*.kefu"))
    found = [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) for path in files]
    return found + sorted(BROKEN.items())


def outcome(path: str, text: str) -> tuple:
    document: Document = parse(text, path)
    items = build(parse(text, path))
    return (
        document.stmts,
        document.comments,
        [d.model_dump() for d in document.diagnostics],
        document.broken,
        [entry.model_dump() for entry in items.faqs],
        [d.model_dump() for d in items.diagnostics],
    )


@contextmanager
def switching_often() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def test_parses_in_several_threads_at_once_equal_the_sequential_results() -> None:
    cases = sources()
    assert len(cases) > 30 and any(name in dict(cases) for name in BROKEN)
    expected = {path: outcome(path, text) for path, text in cases}
    assert any(result[3] for result in expected.values())  # some broken: Lark words their diagnostics
    assert any(result[1] for result in expected.values())  # some with comments
    shuffler = random.Random(9)
    with switching_often(), ThreadPoolExecutor(max_workers=THREADS) as pool:
        for _ in range(ROUNDS):
            order = cases[:]
            shuffler.shuffle(order)
            results = list(pool.map(lambda case: (case[0], outcome(*case)), order))
            for path, result in results:
                assert result == expected[path], path
