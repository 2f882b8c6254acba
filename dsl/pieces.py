"""Building a file again after an edit: only the top-level statements that changed.

A file is cut where a line starts with a top-level keyword (as `dsl.chunks` cuts a large file),
into pieces of `PIECE` statements. Each piece is parsed and built alone, from the line it starts
on, and kept under its text and first line; after an edit, only the pieces whose text or first
line changed are built again, and the pieces are joined with `dsl.build.merge`. Typing in one
entry of a file of 1,000 entries builds about `PIECE` entries, not 1,000 (`kefu lsp`).

A piece read alone gives what the whole file gives unless something crosses pieces. So the whole
file is built instead (None is returned) when it is one piece, when a piece has a syntax error (K001, K002: reading
resumes differently), an unknown top-level statement (the file counts them), or when settings are
written at the top level of more than one piece (the file reports a setting given twice in its
own words).
"""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping
from itertools import pairwise

from kefu.dsl.build import FileItems, PolicyDraft, build, merge
from kefu.dsl.codes import K001, K002
from kefu.dsl.syntax import _ITEM_START, parse

PIECE = 16  # top-level statements per piece
Pieces = MutableMapping[tuple[int, str], FileItems]  # (first line, text) -> what the piece declares

_WHOLE_FILE = (K001.code, K002.code)


def build_in_pieces(text: str, path: str, kept: Pieces) -> FileItems | None:
    """What the file declares, built piece by piece; pieces found in `kept` are not built again,
    and `kept` is left holding exactly this text's pieces. None: build the whole file instead."""
    starts = [match.start() for match in _ITEM_START.finditer(text)]
    if len(starts) <= PIECE:
        return None  # one piece: nothing to keep, and `dsl.chunks` knows large junk at a glance
    cuts = [0, *starts[PIECE::PIECE], len(text)]
    fresh: dict[tuple[int, str], FileItems] = {}
    line = 1
    for start, end in pairwise(cuts):
        piece = text[start:end]
        key = (line, piece)
        items = kept.get(key) or fresh.get(key)
        if items is None:
            items = build(parse(piece, path, first_line=line))
        fresh[key] = items
        line += piece.count("\n")
    kept.clear()
    kept.update(fresh)
    pieces = list(fresh.values())
    if any(_crosses(items) for items in pieces) or sum(_has_settings(items.policy) for items in pieces) > 1:
        return None
    joined = FileItems(path=path)
    for items in pieces:
        merge(joined, under_header(joined, items))  # reads the piece, extends only `joined`
        joined.statements += items.statements
    return joined


def under_header(before: FileItems, items: FileItems) -> FileItems:
    """`items`, read after `before` in one file: its entries belong to the file's preset, as the
    builder gives them when it reads the whole file (the preset's id, its category unless the entry
    names one). A piece read alone does not know the header above it."""
    header = before.headers[0] if before.headers else None
    if header is None or header.kind != "preset" or not items.faqs:
        return items
    adopted = [
        entry.model_copy(
            update={"preset": header.id, "category": entry.category if entry.category is not None else header.category}
        )
        for entry in items.faqs
    ]
    return dataclasses.replace(items, faqs=adopted)


def _crosses(items: FileItems) -> bool:
    """Whether a piece's findings depend on the rest of the file."""
    return any(
        d.code in _WHOLE_FILE or d.message.startswith("unknown top-level statement") or "kefu rule file" in d.message
        for d in items.diagnostics
    )


def _has_settings(draft: PolicyDraft) -> bool:
    return bool(draft.assist or draft.bot or draft.matching or draft.greeting is not None or draft.spans)
