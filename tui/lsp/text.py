"""Positions and what the cursor is on, read with kefu's own parser.

kefu's spans are 1-based, in characters, and end on their last character; LSP's ranges are 0-based
and end after their last character (the client's code units are pygls' `PositionCodec`'s business).
What stands under the cursor is found by parsing the top-level statement around it alone (as
`dsl.syntax` cuts a file), so a hover in a file of 1,000 entries parses one entry, not the file.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from kefu.dsl import language
from kefu.dsl.syntax import _ITEM_START, Atom, Stmt, parse

ENTRY_WORDS = ("bot", "assist", "suggest")  # expectations whose argument is an entry id
MAX_PIECE = 256 * 1024  # characters of one top-level statement parsed for an answer at the cursor
AROUND = 100  # lines each side of the cursor parsed instead, in a longer one
WHOLE = 2 * 1024 * 1024  # characters of a file parsed whole for its outline or its references


@dataclass(frozen=True, slots=True)
class Piece:
    """The top-level statement around a line: its text, and the line of the file it starts on."""

    text: str
    first_line: int
    start: int  # offset in the file


@dataclass(slots=True)
class Lines:
    """A document's text with the offset of each line, for moving between lines and offsets."""

    text: str
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0]
        find = self.text.find
        at = find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = find("\n", at + 1)

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its line end; '' past the end."""
        if number < 1 or number > len(self.starts):
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def offset(self, line: int, column: int) -> int:
        """The offset of 1-based `line` and `column`."""
        line = max(1, min(line, len(self.starts)))
        return min(self.starts[line - 1] + column - 1, len(self.text))

    def piece(self, line: int) -> Piece:
        """The top-level statement that holds `line` (or the text before the first one). A
        statement longer than `MAX_PIECE` (pasted junk, a block never closed) gives the lines
        around `line` instead: a hover never parses megabytes."""
        offset = self.offset(line, 1)
        starts = [m.start() for m in _ITEM_START.finditer(self.text)]
        index = bisect.bisect_right(starts, offset) - 1
        start = starts[index] if index >= 0 else 0
        end = starts[index + 1] if index + 1 < len(starts) else len(self.text)
        first_line = bisect.bisect_right(self.starts, start)
        if end - start > MAX_PIECE:
            first_line = max(first_line, line - AROUND)
            start = self.starts[first_line - 1]
            last = min(len(self.starts), line + AROUND)
            end = min(end, self.starts[last] if last < len(self.starts) else len(self.text))
        return Piece(self.text[start:end], first_line, start)


@dataclass(frozen=True, slots=True)
class At:
    """What the cursor is on: the statements around it (outermost first), each with the block it
    stands in, and the atom under the cursor, if any."""

    path: tuple[tuple[Stmt, str], ...]  # (statement, the block it stands in)
    atom: Atom | None

    @property
    def stmt(self) -> Stmt | None:
        return self.path[-1][0] if self.path else None

    @property
    def block(self) -> str:
        return self.path[-1][1] if self.path else "file"


def covers(atom: Atom, line: int, column: int) -> bool:
    """Whether the cursor at (line, column) is on the atom or just after its last character."""
    return atom.line <= line <= atom.end_line and (
        (atom.line < line or atom.column <= column) and (line < atom.end_line or column <= atom.end_column + 1)
    )


def _contains(stmt: Stmt, line: int, column: int) -> bool:
    if (line, column) < (stmt.head.line, stmt.head.column):
        return False
    if stmt.block is not None:
        return (line, column) <= (stmt.block.end_line, stmt.block.end_column)
    last = stmt.args[-1] if stmt.args else stmt.head
    return (line, column) <= (last.end_line, last.end_column + 1)


def construct_in(block: str, name: str) -> language.Construct | None:
    """The construct `name` in `block`; None too in a block of plain lines (`test`, `synonyms`)."""
    return language.construct(block, name) if block in language.BLOCKS else None


def known_in(block: str) -> dict[str, language.Construct]:
    """The constructs that may stand in `block`; none in a block of plain lines."""
    return language.known(block) if block in language.BLOCKS else {}


def inner_block(stmt: Stmt, block: str) -> str | None:
    """The block a statement opens, by the language table (`test` holds lines: 'test')."""
    construct = construct_in(block, stmt.head.value) if stmt.head.kind == "word" else None
    if construct is None:
        return None
    if construct.opens is not None:
        return construct.opens
    return construct.name if construct.lines else None


def at(lines: Lines, line: int, column: int, path: str) -> At:
    """What the cursor at 1-based (line, column) is on."""
    piece = lines.piece(line)
    document = parse(piece.text, path, first_line=piece.first_line)
    found: list[tuple[Stmt, str]] = []
    stmts, block = document.stmts, "file"
    while True:
        stmt = next((s for s in stmts if _contains(s, line, column)), None)
        if stmt is None:
            break
        found.append((stmt, block))
        inner = inner_block(stmt, block)
        if stmt.block is None or inner is None:
            break
        stmts, block = stmt.block.stmts, inner
    atom = None
    if found:
        stmt = found[-1][0]
        atom = next((a for a in (stmt.head, *stmt.args) if a.kind != "comma" and covers(a, line, column)), None)
    return At(tuple(found), atom)


def statements(text: str, path: str) -> tuple[Stmt, ...]:
    """The top-level statements of a file, for its outline and references. A file over `WHOLE`
    characters is parsed a statement at a time, leaving out any single one over `MAX_PIECE`."""
    if len(text) <= WHOLE:
        return parse(text, path).stmts
    found: list[Stmt] = []
    starts = [0, *(m.start() for m in _ITEM_START.finditer(text)), len(text)]
    line = 1
    for start, end in pairwise(starts):
        if end - start <= MAX_PIECE:
            found.extend(parse(text[start:end], path, first_line=line).stmts)
        line += text.count("\n", start, end)
    return tuple(found)


# -- entry ids in a file -----------------------------------------------------------------------


def entry_atoms(stmts: tuple[Stmt, ...], block: str = "file") -> Iterator[tuple[Atom, str]]:
    """Every atom naming an entry id, with how: 'faq' (the entry itself), 'override', 'drop',
    'test' (a case's `-> id`) or 'expect' (a scenario's `expect bot|assist|suggest id`)."""
    for stmt in stmts:
        head = stmt.head.value if stmt.head.kind == "word" else None
        args = [a for a in stmt.args if a.kind != "comma"]
        if block == "file" and head == "faq" and args:
            yield args[0], "faq"
        elif block == "file" and head in ("override", "drop") and len(args) >= 2 and args[0].value == "faq":
            yield args[1], head
        elif block == "test":
            for index, atom in enumerate(args[:-1]):
                if atom.value == "->" and atom.kind == "word" and args[index + 1].value != "none":
                    yield args[index + 1], "test"
        elif block == "scenario":
            atoms = [stmt.head, *args]
            expecting = False
            for index, atom in enumerate(atoms):
                if atom.kind == "word" and atom.value == "expect":
                    expecting = True
                elif expecting and atom.kind == "word" and atom.value in ENTRY_WORDS and index + 1 < len(atoms):
                    yield atoms[index + 1], "expect"
        if stmt.block is not None:
            inner = inner_block(stmt, block)
            if inner in ("test", "scenario"):
                yield from entry_atoms(stmt.block.stmts, inner)


def entry_id_at(found: At) -> tuple[str, str] | None:
    """The entry id the cursor is on, and how it is named there (see `entry_atoms`)."""
    if found.atom is None or not found.path:
        return None
    stmt, block = found.path[-1]
    for atom, how in entry_atoms((stmt,), block):
        if atom == found.atom:
            return atom.value, how
    return None
