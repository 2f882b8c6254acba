"""Text to a syntax tree of statements, with every comment and position kept; syntax errors as
diagnostics, read past in time linear in the file.

`dsl.statements` reads the statements (the language of kefu.lark, by hand, one object per call, so
parses may run in several threads at once). When it stops at a token the grammar does not allow,
that token is fed to Lark's LALR parser (built on the first syntax error only) for the diagnostic's
wording, the broken top-level statement is dropped, and reading goes on at the next statement that
starts a line; a block left open is closed where the next top-level statement starts a line. So one
mistake gives one finding and the rest of the file is still read and checked.

The syntax tree types live in `dsl.tree` (re-exported here).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from kefu.dsl.codes import K001, K002
from kefu.dsl.language import TOP_LEVEL
from kefu.dsl.statements import GRAMMAR, StatementReader, Stop, tokens
from kefu.dsl.tree import Atom as Atom
from kefu.dsl.tree import Block as Block
from kefu.dsl.tree import Comment as Comment
from kefu.dsl.tree import Document as Document
from kefu.dsl.tree import Stmt as Stmt
from kefu.dsl.tree import bad_escapes as bad_escapes
from kefu.dsl.tree import quote as quote
from kefu.dsl.tree import unquote as unquote
from kefu.engine.diagnostics import Diagnostic, Span

if TYPE_CHECKING:
    from lark import Lark, Token
    from lark.exceptions import UnexpectedInput

MAX_SYNTAX_ERRORS_PER_FILE = 20
MAX_DEPTH = 64  # deeper nesting is refused (kefu's own statements nest three blocks at most)
_ITEM_START = re.compile(r"^(?:" + "|".join(TOP_LEVEL) + r")(?=[ \t{;\r\n]|$)", re.M)


_LARK_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _parser() -> Lark:
    from lark import Lark

    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic", maybe_placeholders=False)


def parser() -> Lark:
    """Lark's LALR parser of kefu.lark, built once per process on first use (~0.5 s): it words the
    diagnostics of syntax errors; clean files never need it. Its tables are read-only while parsing,
    so threads share it. (Not cached on disk: Lark's cache is a pickle, which runs code when read.)"""
    with _LARK_LOCK:
        return _parser()


def grammar(strict: bool = False) -> Lark:
    """The grammar as a plain Lark parser (trees, no transformer), for tools and tests."""
    from lark import Lark

    return Lark(
        GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic", propagate_positions=True, strict=strict
    )


def parse(text: str, path: str, first_line: int = 1, end: int | None = None) -> Document:
    """Parse one file's text. Syntax errors become diagnostics; the rest of the file still parses.

    `first_line` numbers the text's lines from there (a chunk of a larger file). With `end`, reading
    stops at the first top-level statement that starts at or after offset `end` (a statement that
    starts before it is read to its own end): the first half of a file cut at `end`, read exactly as
    a parse of the whole file reads it (`Document.read_to` says where reading stopped)."""
    reader = StatementReader(text, first_line)
    stmts: list[Stmt] = []
    starts: list[int] = []  # offset of each statement in `stmts`
    diagnostics: list[Diagnostic] = []
    read_to = len(text)
    while True:
        found = reader.statement()
        if found is None:
            break
        if end is not None and (reader.item if isinstance(found, Stmt) else found.item) >= end:
            read_to = reader.item if isinstance(found, Stmt) else found.item
            reader.comments = [(at, comment) for at, comment in reader.comments if at < read_to]
            break
        if isinstance(found, Stmt):
            stmts.append(found)
            starts.append(reader.item)
            continue
        diagnostic, dropped_from, resume = _report(text, path, found, first_line)
        diagnostics.append(diagnostic)
        while starts and starts[-1] >= dropped_from:  # the broken statement's column-1 start and what follows
            starts.pop()
            stmts.pop()
        reader.comments = [(at, comment) for at, comment in reader.comments if at < dropped_from]
        if resume is None:
            break
        if len(diagnostics) >= MAX_SYNTAX_ERRORS_PER_FILE:
            break
        reader.seek(resume)
    for stmt in stmts:
        if stmt.block is not None and stmt.block.depth > MAX_DEPTH:
            diagnostics.append(
                K001.at(
                    stmt.head.span(path),
                    f"blocks nested {stmt.block.depth} deep; kefu reads at most {MAX_DEPTH}",
                    "no kefu statement nests more than three blocks: close the blocks sooner",
                )
            )
    comments = tuple(sorted((comment for _, comment in reader.comments), key=lambda c: (c.line, c.column)))
    return Document(path, tuple(stmts), comments, diagnostics, bool(diagnostics), read_to)


def _report(text: str, path: str, stop: Stop, first_line: int) -> tuple[Diagnostic, int, int | None]:
    """The diagnostic for a stop, where the statements to drop start, and where reading goes on
    (None: nowhere, the rest of the text is skipped)."""
    if stop.kind == "$END":  # the text ends inside a block
        assert stop.open_brace is not None
        brace = _position(text, stop.open_brace, first_line)
        dropped_from = _last_item_start(text, stop.open_brace)
        following = _ITEM_START.search(text, stop.open_brace + 1)
        opened = Span(file=path, line=brace[0], column=brace[1], end_line=brace[0], end_column=brace[1])
        if following is not None:  # a top-level statement starts a line inside it: a '}' is missing above
            line, column = _position(text, following.start(), first_line)
            word = following.group()
            return (
                K001.at(
                    Span(file=path, line=line, column=column, end_line=line, end_column=column + len(word) - 1),
                    f"'{word}' starts a statement inside the block opened at line {brace[0]}, "
                    f"column {brace[1]}, which is never closed",
                    "close that block with '}' on its own line above this statement",
                    related=(opened,),
                ),
                dropped_from,
                following.start(),
            )
        line, column = _end_position(text, first_line)
        return (
            K001.at(
                Span(file=path, line=line, column=column, end_line=line, end_column=column),
                f"the file ends inside the block opened at line {brace[0]}, column {brace[1]}",
                "close the block with '}' on its own line",
                related=(opened,),
            ),
            dropped_from,
            None,
        )
    following = _ITEM_START.search(text, stop.offset + 1)
    resume = following.start() if following is not None else None
    error = _lark_error(text, stop, len(text) if resume is None else resume)
    return _syntax_diagnostic(error, text, path, stop.offset), _last_item_start(text, stop.offset), resume


def _lark_error(text: str, stop: Stop, end: int) -> UnexpectedInput:
    """Lark's own error for the statement the reader stopped in (its `expected` words the message)."""
    from lark import Token
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if stop.kind == "":
        return UnexpectedCharacters(text, stop.offset, stop.line, stop.column)
    line_start = text.rfind("\n", 0, stop.item) + 1
    line = stop.line - text.count("\n", stop.item, stop.offset)
    interactive = parser().parse_interactive("")
    try:
        for token in tokens(text, stop.item, end, line, line_start):
            interactive.feed_token(
                Token(
                    token.kind,
                    token.value,
                    token.offset,
                    token.line,
                    token.column,
                    token.end_line,
                    token.end_column,
                    token.end,
                )
            )
            if token.offset >= stop.offset:
                break
    except UnexpectedToken as error:
        return error
    # Lark took what the reader refused: a bug of the reader; still report the token it stopped at
    found = Token(stop.kind, text[stop.offset : stop.offset + 1], stop.offset, stop.line, stop.column)
    return UnexpectedToken(found, set())


def _position(text: str, offset: int, first_line: int) -> tuple[int, int]:
    return first_line + text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1) + 1


def _last_item_start(text: str, at: int) -> int:
    """The start of the last line at or before `at` that begins with a top-level keyword (0 if none),
    looked for backwards, so that reporting an error costs the length of its statement, not the file's."""
    line_start = text.rfind("\n", 0, at) + 1
    while True:
        if _ITEM_START.match(text, line_start) is not None:
            return line_start
        if line_start == 0:
            return 0
        line_start = text.rfind("\n", 0, line_start - 1) + 1


_NAMES = {
    "WORD": "a word",
    "STRING": "a string",
    "COMMA": "','",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "_SEP": "the end of the line",
    "$END": "the end of the file",
}


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type == "_SEP":
        return "the end of the line" if str(token) != ";" else "';'"
    text = str(token)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"'{text}'"


def _syntax_diagnostic(error: UnexpectedInput, text: str, path: str, at: int) -> Diagnostic:
    """Lark's error at offset `at` of `text` as a diagnostic (not for the end of the text: see `_report`)."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(error, UnexpectedCharacters):
        if text[at] == '"':
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            span = Span(
                file=path,
                line=error.line,
                column=error.column,
                end_line=error.line,
                end_column=error.column + max(end - at, 1) - 1,
            )
            return K002.at(
                span,
                "unterminated string: no closing '\"' on this line",
                "close the string with '\"' before the end of the line (write \\n for a line break)",
            )
        span = Span(file=path, line=error.line, column=error.column, end_line=error.line, end_column=error.column)
        return K001.at(span, f"unexpected character {text[at]!r}", "remove it")
    assert isinstance(error, UnexpectedToken)
    token = error.token
    expected = sorted(_NAMES.get(name, name) for name in error.expected if not name.startswith("__"))
    line, column = token.line, token.column
    width = max(len(str(token)), 1) if token.type != "_SEP" else 1
    span = Span(file=path, line=line, column=column, end_line=line, end_column=column + width - 1)
    found = _describe(token)
    if token.type == "LBRACE" and "WORD" in error.expected:
        help = "'{' stays on the line of its statement: move it to the end of the line above"
        message = "a block must open on the line of its statement"
    elif token.type == "RBRACE" and "RBRACE" not in error.expected:
        message, help = "unmatched '}'", "remove it, or open its block with '{' on the line of a statement"
    elif token.type == "COMMA" and "WORD" in error.expected:
        message, help = (
            "a statement cannot start with ','",
            "a list continues after a comma: put the comma at the end of the line above",
        )
    elif "_SEP" in error.expected and token.type in ("WORD", "STRING", "LBRACE"):
        message = f"expected the end of the line after '}}', found {found}"
        help = "put each statement on its own line, or separate them with ';'"
    else:
        message = f"expected {' or '.join(expected) if expected else 'something else'}, found {found}"
        help = "check the statement's shape: head word, arguments, optional { block }"
    return K001.at(span, message, help)


def _end_position(text: str, first_line: int = 1) -> tuple[int, int]:
    stripped = text.rstrip()
    line = first_line + stripped.count("\n")
    column = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, max(column, 1)
