"""The statement reader: rule text to `Stmt` values in one pass, exactly the language of kefu.lark.

kefu.lark fixes the shape of a file: statements (a head word or string, arguments, an optional
`{ block }`) separated by newlines or ';'. This reader recognises the same language by hand, with
one compiled regex built from kefu.lark's own terminal definitions (so the grammar stays the single
source of truth for tokens) and an explicit stack for blocks. It is ~8x faster than Lark's
pure-Python LALR loop, holds all its state in one object per call (so parses may run in several
threads at once), and stops at the first token the grammar does not allow, saying where, so the
caller can report that token through Lark and read on from the next statement.

Tests check that it accepts exactly what Lark accepts and fails at the same token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kefu.dsl.tree import Atom, Block, Comment, Stmt

GRAMMAR = Path(__file__).with_name("kefu.lark")
_DEFINITION = re.compile(r'^([A-Z_]+)\s*:\s*(?:/(.*)/|"(.*)")\s*$', re.M)
_IGNORE = re.compile(r"^%ignore\s+([A-Z_]+)\s*$", re.M)
_UNBOUNDED = 1 << 32


def terminals(grammar: str) -> list[tuple[str, str]]:
    """kefu.lark's terminals as (name, regex), in the order Lark's basic lexer tries them: longest
    possible match first, then the longer pattern, then by name (kefu.lark gives no priorities)."""
    found = []
    for name, regex, literal in _DEFINITION.findall(grammar):
        pattern = regex if regex else re.escape(literal)
        width = _max_width(pattern)
        found.append((-width, -len(regex or literal), name, pattern))
    return [(name, pattern) for _, _, name, pattern in sorted(found)]


def _max_width(pattern: str) -> int:
    import re._parser as sre  # the width Lark orders by (Python 3.11+)

    return min(sre.parse(pattern).getwidth()[1], _UNBOUNDED)


def ignored(grammar: str) -> frozenset[str]:
    return frozenset(_IGNORE.findall(grammar))


def _token_regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Every terminal (for feeding Lark); the reader's pattern, which takes the whitespace before a
    token in the same match (half the matches of a file); and whitespace alone."""
    grammar = GRAMMAR.read_text(encoding="utf-8")
    if ignored(grammar) != {"WS", "COMMENT"}:  # pragma: no cover - a grammar edit the reader must follow
        raise RuntimeError("kefu.lark ignores other terminals than WS and COMMENT: update dsl/statements.py")
    found = terminals(grammar)
    every = re.compile("|".join(f"(?P<{name}>{regex})" for name, regex in found))
    space = dict(found)["WS"]
    reader = re.compile(f"(?:{space})?(?:" + "|".join(f"(?P<{n}>{r})" for n, r in found if n != "WS") + ")")
    return every, reader, re.compile(space)


_TOKENS, _NEXT, _SPACE = _token_regexes()
_KIND_OF = {index: name for name, index in _TOKENS.groupindex.items()}
_NAME_OF = {index: name for name, index in _NEXT.groupindex.items()}
_WS, _TOKEN_COMMENT = _TOKENS.groupindex["WS"], _TOKENS.groupindex["COMMENT"]
_WORD, _STRING, _COMMA, _LBRACE, _RBRACE, _SEP, _COMMENT = (
    _NEXT.groupindex[name] for name in ("WORD", "STRING", "COMMA", "LBRACE", "RBRACE", "_SEP", "COMMENT")
)

# the reader's states between tokens
_START, _ARGS, _CLOSED = 0, 1, 2  # before a statement; after its head or an argument; after its block


@dataclass(frozen=True, slots=True)
class Stop:
    """Where reading a top-level statement stopped: the first token the grammar does not allow.

    `kind` is the terminal's name, "$END" for the end of the text, or "" when no terminal matches
    at `offset` (an unexpected character). `item` is the offset where the statement started;
    `open_brace` the offset of its outermost `{` still open, if any."""

    offset: int
    kind: str
    line: int
    column: int
    item: int
    open_brace: int | None


@dataclass(frozen=True, slots=True)
class Token:
    """One token of the text with its position, for reporting a stop through Lark."""

    kind: str
    value: str
    offset: int
    line: int
    column: int
    end_line: int
    end_column: int  # exclusive, as Lark counts it
    end: int


class StatementReader:
    """Reads the top-level statements of one text, one at a time, from any statement start on.

    Lines are numbered from `first_line` (a chunk of a larger file). Comments are collected in
    `comments`, with the offset each starts at (so a caller dropping a broken region drops its
    comments too)."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.text = text
        self.position = 0
        self.line = first_line
        self.line_start = 0  # offset where the current line starts
        self.comments: list[tuple[int, Comment]] = []
        self.item = 0  # where the statement last returned starts

    def seek(self, offset: int) -> None:
        """Continue at `offset`, which starts a line (a statement start after a broken one)."""
        self.line += self.text.count("\n", self.position, offset)
        self.position = offset
        self.line_start = self.text.rfind("\n", 0, offset) + 1

    def statement(self) -> Stmt | Stop | None:
        """The next top-level statement, a `Stop` at the first token it cannot take, or None at the end."""
        text = self.text
        match = _NEXT.match
        new = tuple.__new__  # the tree's types are named tuples: this skips their __new__'s argument handling
        atom, stmt, block = Atom, Stmt, Block
        word_kind, string_kind, sep_kind, comment_kind, comma_kind = _WORD, _STRING, _SEP, _COMMENT, _COMMA
        comments = self.comments
        position, line, line_start = self.position, self.line, self.line_start
        end_of_text = len(text)
        state = _START
        item = -1  # offset of this statement's first token
        head: Atom | None = None
        args: list[Atom] = []
        done: Stmt | None = None  # a statement whose block just closed
        frames: list[tuple[Atom, list[Atom], int, int, int, list[Stmt]]] = []  # open blocks
        while True:
            if position >= end_of_text:
                self._keep(position, line, line_start)
                if frames:  # the text ends inside a block
                    return Stop(position, "$END", line, position - line_start + 1, item, frames[0][4])
                self.item = item
                if state == _ARGS:
                    assert head is not None
                    return new(stmt, (head, tuple(args), None))
                return done
            found = match(text, position)
            if found is None:
                space = _SPACE.match(text, position)
                if space is not None:  # whitespace up to the end of the text or a character no token takes
                    position = space.end()
                    if position >= end_of_text:
                        continue
                self._keep(position, line, line_start)
                return Stop(
                    position, "", line, position - line_start + 1, position if item < 0 else item, _open(frames)
                )
            kind = found.lastindex or 0
            position, stop = found.span(kind)
            if kind == word_kind or kind == string_kind:  # noqa: SIM109 - two int compares beat building a tuple
                word = new(
                    atom,
                    (
                        "word" if kind == word_kind else "string",
                        text[position:stop],
                        line,
                        position - line_start + 1,
                        line,
                        stop - line_start,
                    ),
                )
                if state == _ARGS:
                    args.append(word)
                elif state == _START:
                    if item < 0:
                        item = position
                    head, args, state = word, [], _ARGS
                else:
                    return self._stop(found, line, line_start, item, frames)
            elif kind == sep_kind:
                if state == _ARGS:
                    done = new(stmt, (head, tuple(args), None))
                if text[position] != ";":
                    line, line_start = line + 1, stop
                if done is not None:
                    if not frames:
                        self._keep(stop, line, line_start)
                        self.item = item
                        return done
                    frames[-1][5].append(done)
                    done = None
                state = _START
            elif kind == comment_kind:
                comments.append((position, Comment(text[position:stop].rstrip(), line, position - line_start + 1)))
            elif kind == comma_kind:
                if state != _ARGS:
                    return self._stop(found, line, line_start, item, frames)
                column = position - line_start + 1
                args.append(new(atom, ("comma", ",", line, column, line, column)))
                if stop - position > 1 and "\n" in text[position:stop]:
                    value = text[position:stop]
                    if "#" in value:
                        self._comma_comments(value, position, line, column)
                    line += value.count("\n")
                    line_start = text.rfind("\n", position, stop) + 1
            elif kind == _LBRACE:
                if state != _ARGS:
                    return self._stop(found, line, line_start, item, frames)
                assert head is not None
                frames.append((head, args, line, position - line_start + 1, position, []))
                state = _START
            else:  # RBRACE
                if state == _ARGS:
                    done = new(stmt, (head, tuple(args), None))
                if not frames:
                    return self._stop(found, line, line_start, position if item < 0 else item, frames)
                if done is not None:
                    frames[-1][5].append(done)
                owner, owner_args, open_line, open_column, _, stmts = frames.pop()
                depth = 1
                for inner in stmts:
                    if inner.block is not None and inner.block.depth >= depth:
                        depth = inner.block.depth + 1
                closed = new(block, (tuple(stmts), open_line, open_column, line, position - line_start + 1, depth))
                done = new(stmt, (owner, tuple(owner_args), closed))
                state = _CLOSED
            position = stop

    def _keep(self, position: int, line: int, line_start: int) -> None:
        self.position, self.line, self.line_start = position, line, line_start

    def _stop(self, found: re.Match[str], line: int, line_start: int, item: int, frames: list) -> Stop:
        position = found.start(found.lastindex or 0)
        self._keep(position, line, line_start)
        return Stop(
            position,
            _NAME_OF[found.lastindex or 0],
            line,
            position - line_start + 1,
            position if item < 0 else item,
            _open(frames),
        )

    def _comma_comments(self, value: str, offset: int, line: int, column: int) -> None:
        """Comments between the lines of a list continued after a comma."""
        start = 0
        for number, part in enumerate(value.split("\n")):
            if "#" in part:
                at = part.index("#")
                comment = Comment(part[at:].rstrip(), line + number, (column if number == 0 else 1) + at)
                self.comments.append((offset + start + at, comment))
            start += len(part) + 1


def _open(frames: list) -> int | None:
    return frames[0][4] if frames else None


def tokens(text: str, start: int, end: int, line: int, line_start: int) -> Iterator[Token]:
    """The tokens of text[start:end] that the parser sees (not WS or COMMENT), with exact positions,
    as they are asked for; lexing stops at a character no terminal matches."""
    position = start
    while position < end:
        match = _TOKENS.match(text, position, end)
        if match is None:
            break
        kind = match.lastindex or 0
        stop = match.end()
        value = match.group()
        newlines = value.count("\n")
        if newlines:
            end_line, new_start = line + newlines, text.rfind("\n", position, stop) + 1
            end_column = stop - new_start + 1
        else:
            end_line, new_start, end_column = line, line_start, stop - line_start + 1
        if kind not in (_WS, _TOKEN_COMMENT):
            yield Token(_KIND_OF[kind], value, position, line, position - line_start + 1, end_line, end_column, stop)
        line, line_start, position = end_line, new_start, stop
