"""The syntax tree of a rule file: statements, their atoms and blocks, and the file's comments.

Named tuples, not pydantic nor frozen dataclasses: a 10k-entry shop has ~300k atoms and ~50k
statements, and a tuple is made about four times faster than a frozen dataclass. The tree stays
inside `dsl`; what leaves `dsl` is the pydantic rules model built from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from kefu.engine.diagnostics import Diagnostic, Span


class Atom(NamedTuple):
    """A bare word, a string or a comma, as written."""

    kind: str  # "word" | "string" | "comma"
    raw: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def value(self) -> str:
        return unquote(self.raw) if self.kind == "string" else self.raw

    def span(self, file: str) -> Span:
        return Span.at(file, self.line, self.column, self.end_line, self.end_column)


class Block(NamedTuple):
    stmts: tuple[Stmt, ...]
    line: int  # of `{`
    column: int
    end_line: int  # of `}`
    end_column: int
    depth: int = 1  # blocks nested in this one, plus one


class Stmt(NamedTuple):
    head: Atom
    args: tuple[Atom, ...]
    block: Block | None

    @property
    def line(self) -> int:
        return self.head.line

    @property
    def end_line(self) -> int:
        if self.block is not None:
            return self.block.end_line
        return self.args[-1].end_line if self.args else self.head.end_line

    def span(self, file: str) -> Span:
        last = self.args[-1] if self.args else self.head
        return Span.at(file, self.head.line, self.head.column, last.end_line, last.end_column)


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  # with its leading '#'
    line: int
    column: int


@dataclass(slots=True)
class Document:
    """One parsed file: its statements, its comments, and whether a syntax error was skipped.

    `read_to`: the offset where reading stopped (the end of the text, unless the parse was asked to
    stop at the first statement starting at or after some offset: see `dsl.chunks`)."""

    path: str
    stmts: tuple[Stmt, ...]
    comments: tuple[Comment, ...]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: bool = False
    read_to: int = 0


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(.)")


def unquote(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def bad_escapes(raw: str) -> list[int]:
    """Offsets (inside `raw`) of escapes kefu does not know."""
    return [m.start() for m in _ESCAPE_RE.finditer(raw) if m.group(1) not in _ESCAPES]
