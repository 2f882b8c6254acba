"""Building a large file on both cores: split at top-level statements, build the halves at once.

A 10k-entry shop has 250k tokens. A file over `PARALLEL_BYTES` is cut where a line starts with a
top-level keyword; the second half is parsed and built in a forked process while this one reads
the first half, and the two are joined. This process reads exactly as a parse of the whole file
would, up to the first statement that starts at or after the cut (syntax errors included: a block
left open before the cut is reported at the cut, where reading goes on), so the join is what one
parse gives. Only when a statement runs on past the cut (the cut fell inside a block), or the halves
hold more syntax errors than one file reports, is the whole file parsed again in one piece.

A worker ends with the process that started it, however that one ends (SIGKILL included): on Linux
the kernel kills it when its parent dies (PR_SET_PDEATHSIG); elsewhere a thread of the worker polls
its parent's pid. Without this a killed `kefu check` left its worker building on, adopted by init.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context

from kefu.dsl.build import JUNK_AFTER, FileItems, build, merge
from kefu.dsl.codes import K001, K002
from kefu.dsl.lifeline import end_with_parent
from kefu.dsl.pieces import under_header
from kefu.dsl.syntax import _ITEM_START, MAX_SYNTAX_ERRORS_PER_FILE, TOP_LEVEL, parse
from kefu.engine.diagnostics import Span
from kefu.engine.rules import Ask, FaqEntry

PARALLEL_BYTES = 512 * 1024


@contextmanager
def no_gc() -> Iterator[None]:
    """Building allocates ~1M small objects that all live on; collecting meanwhile only costs time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


JUNK_SNIFF_BYTES = 1024 * 1024


def build_text(text: str, path: str) -> FileItems:
    """Parse and build one file's text, on two cores when it is large and that is safe."""
    if len(text) > JUNK_SNIFF_BYTES:
        junk = _junk(text, path)
        if junk is not None:
            return junk
    with no_gc():
        cut = _cut(text) if _parallel_ok(len(text)) else None
        if cut is None:
            return build(parse(text, path))
        first_line = text.count("\n", 0, cut) + 1
        with _pool() as pool:
            future = pool.submit(_build_chunk, text[cut:], path, first_line)
            document = parse(text, path, end=cut)  # reads on past the cut only inside a statement
            head = build(document)
            tail = unpack(future.result())
        if document.read_to != cut or _syntax_errors(head) + _syntax_errors(tail) > MAX_SYNTAX_ERRORS_PER_FILE:
            return build(parse(text, path))
        return merge(head, under_header(head, tail))


def _pool() -> ProcessPoolExecutor:
    """One forked worker that dies with this process."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=get_context("fork"), initializer=end_with_parent, initargs=(os.getpid(),)
    )


def _syntax_errors(items: FileItems) -> int:
    return sum(1 for d in items.diagnostics if d.code in (K001.code, K002.code))


def build_texts(sources: list[tuple[str, str]]) -> list[FileItems]:
    """Build several files (text, path); when there is much to build, half of them in a second process."""
    total = sum(len(text) for text, _ in sources)
    if len(sources) == 1:
        return [build_text(*sources[0])]
    if len(sources) < 2 or not _parallel_ok(total):
        with no_gc():
            return [build(parse(text, path)) for text, path in sources]
    order = sorted(range(len(sources)), key=lambda i: -len(sources[i][0]))
    mine: list[int] = []
    theirs: list[int] = []
    weight = [0, 0]
    for index in order:  # largest first, each to the lighter side
        side = 0 if weight[0] <= weight[1] else 1
        (mine if side == 0 else theirs).append(index)
        weight[side] += len(sources[index][0])
    results: dict[int, FileItems] = {}
    with no_gc(), _pool() as pool:
        future = pool.submit(_build_many, [sources[i] for i in theirs])
        for index in mine:
            results[index] = build(parse(*sources[index]))
        for index, items in zip(theirs, future.result()):
            results[index] = unpack(items)
    return [results[i] for i in range(len(sources))]


def _build_many(sources: list[tuple[str, str]]) -> list[FileItems]:
    gc.disable()
    return [pack(build(parse(text, path))) for text, path in sources]


def _junk(text: str, path: str) -> FileItems | None:
    """A large file whose first statements are none kefu knows is not parsed at all (building its
    first part gives the one finding that says so)."""
    lines = [line for line in text[: 64 * 1024].splitlines() if line.strip() and not line.lstrip().startswith("#")]
    heads = [line.split(None, 1)[0].split("{", 1)[0] for line in lines[:JUNK_AFTER] if not line[:1].isspace()]
    if len(heads) < JUNK_AFTER or any(head in TOP_LEVEL for head in heads):
        return None
    end = text.find("\n", text.find("\n".join(lines[JUNK_AFTER - 1 : JUNK_AFTER])))
    items = build(parse(text[: end if end > 0 else len(text)], path))
    return items if any("not a kefu rule file" in d.message for d in items.diagnostics) else None


def _build_chunk(text: str, path: str, first_line: int) -> FileItems:
    gc.disable()
    return pack(build(parse(text, path, first_line)))


def _parallel_ok(size: int) -> bool:
    return (
        size > PARALLEL_BYTES
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and os.environ.get("KEFU_SERIAL") is None
    )


def _cut(text: str) -> int | None:
    """The start of the top-level statement nearest the middle of the text, if there is one."""
    middle = len(text) // 2
    after = _ITEM_START.search(text, middle)
    return after.start() if after is not None and after.start() > 0 else None


def pack(items: FileItems) -> FileItems:
    """Entries as plain tuples: pickling 10k pydantic models costs more than building them.

    Used to bring a chunk built in a child process back to the parent."""
    items.faqs = [_pack_entry(e) for e in items.faqs]
    return items


def unpack(items: FileItems) -> FileItems:
    items.faqs = [_unpack_entry(t) for t in items.faqs]
    return items


def _span_tuple(span: Span | None) -> tuple | None:
    return None if span is None else (span.file, span.line, span.column, span.end_line, span.end_column)


def _pack_entry(entry: FaqEntry) -> tuple:
    return (
        entry.id,
        entry.title,
        tuple((a.text, _span_tuple(a.span)) for a in entry.asks),
        entry.keywords,
        entry.reply,
        entry.category,
        entry.auto,
        entry.preset,
        _span_tuple(entry.span),
    )


def _unpack_entry(packed: tuple) -> FaqEntry:
    ident, title, asks, keywords, reply, category, auto, preset, span = packed
    return FaqEntry(
        id=ident,
        title=title,
        keywords=keywords,
        reply=reply,
        category=category,
        auto=auto,
        preset=preset,
        span=None if span is None else Span.at(*span),
        asks=tuple(Ask(text=t, span=None if s is None else Span.at(*s)) for t, s in asks),
    )
