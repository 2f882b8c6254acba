"""Text to a syntax tree of statements, with every comment and position kept.

The Lark LALR parser (grammar in kefu.lark, built once) runs with a Transformer embedded, so no
parse tree is ever built: the callbacks make `Stmt` and `Atom` values directly. A syntax error is
recorded as a diagnostic and the broken top-level statement is blanked out, so the rest of the
file is still read and checked.

The syntax tree stays inside `dsl` (slotted dataclasses: a 10k-entry shop has ~300k atoms, and
this is the hot path); what leaves `dsl` is the pydantic rules model.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from kefu.dsl.cache import grammar_table
from kefu.dsl.codes import K001, K002
from kefu.dsl.language import TOP_LEVEL
from kefu.engine.diagnostics import Diagnostic, Severity, Span

GRAMMAR = Path(__file__).with_name("kefu.lark")
MAX_SYNTAX_ERRORS_PER_FILE = 20
MAX_DEPTH = 64  # deeper nesting is refused (kefu's own statements nest three blocks at most)
_ITEM_START = re.compile(r"^(?:" + "|".join(TOP_LEVEL) + r")(?=[ \t{;\r\n]|$)", re.M)


@dataclass(frozen=True, slots=True)
class Atom:
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


@dataclass(frozen=True, slots=True)
class Block:
    stmts: tuple[Stmt, ...]
    line: int  # of `{`
    column: int
    end_line: int  # of `}`
    end_column: int
    depth: int = 1  # blocks nested in this one, plus one


@dataclass(frozen=True, slots=True)
class Stmt:
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
    """One parsed file: its statements, its comments, and whether a syntax error was skipped."""

    path: str
    stmts: tuple[Stmt, ...]
    comments: tuple[Comment, ...]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: bool = False


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


def _atom(token: Token, kind: str) -> Atom:
    return Atom(kind, str(token), token.line, token.column, token.end_line, token.end_column - 1)


class _ToSyntax(Transformer):
    """Embedded in the LALR parser: reduces straight to Stmt/Block values."""

    def WORD(self, token: Token) -> Atom:
        return _atom(token, "word")

    def STRING(self, token: Token) -> Atom:
        return _atom(token, "string")

    def COMMA(self, token: Token) -> Atom:
        if "#" in token:  # comments between the lines of a list continued after a comma
            for number, part in enumerate(str(token).split("\n")):
                if "#" in part:
                    column = (token.column if number == 0 else 1) + part.index("#")
                    _COMMENTS.items.append(Comment(part[part.index("#") :].rstrip(), token.line + number, column))
        return Atom("comma", ",", token.line, token.column, token.line, token.column)

    def stmt(self, children: list) -> Stmt:
        block = children[-1] if isinstance(children[-1], Block) else None
        atoms = children[:-1] if block is not None else children
        return Stmt(atoms[0], tuple(atoms[1:]), block)

    def block(self, children: list) -> Block:
        lbrace, rbrace = children[0], children[-1]
        stmts = tuple(children[1:-1])
        depth = 1 + max((s.block.depth for s in stmts if s.block is not None), default=0)
        return Block(stmts, lbrace.line, lbrace.column, rbrace.line, rbrace.column, depth)

    def start(self, children: list) -> tuple[Stmt, ...]:
        return tuple(children)


class _Comments:
    """Collects COMMENT tokens of the parse under way (the lexer callback needs a fixed target)."""

    def __init__(self) -> None:
        self.items: list[Comment] = []

    def __call__(self, token: Token) -> Token:
        self.items.append(Comment(str(token).rstrip(), token.line, token.column))
        return token


_COMMENTS = _Comments()


class _GrammarLexer(Lexer):
    """The grammar's own terminals, scanned with one compiled regex.

    Lark's basic lexer matches the same terminals but spends most of a large file's parse time on
    per-token bookkeeping; this one builds the same alternation from kefu.lark's terminal
    definitions (in Lark's own priority order), so the grammar stays the single source of truth.
    """

    def __init__(self, lexer_conf) -> None:
        terminals = sorted(
            lexer_conf.terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name)
        )
        self.master = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals))
        self.ignore = frozenset(lexer_conf.ignore)
        self.callbacks = dict(lexer_conf.callbacks)
        self.names = [t.name for t in terminals]

    first_line = 1  # set by parse(): a chunk of a large file starts further down

    def lex(self, text: str):
        match = self.master.match
        ignore, callbacks = self.ignore, self.callbacks
        position, line, line_start, end = 0, self.first_line, 0, len(text)
        while position < end:
            found = match(text, position)
            if found is None:
                column = position - line_start + 1
                raise UnexpectedCharacters(text, position, line, column, allowed=set(self.names))
            kind = found.lastgroup
            value = found.group()
            stop = found.end()
            newlines = value.count("\n")
            if newlines:
                end_line = line + newlines
                end_column = stop - (text.rfind("\n", position, stop) + 1) + 1
            else:
                end_line, end_column = line, stop - line_start + 1
            if kind not in ignore or kind in callbacks:
                token = Token(kind, value, position, line, position - line_start + 1, end_line, end_column, stop)
                if kind in callbacks:
                    callbacks[kind](token)
                if kind not in ignore:
                    yield token
            if newlines:
                line, line_start = end_line, text.rfind("\n", position, stop) + 1
            position = stop


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built once; its tables are cached on disk (building them takes ~0.4 s)."""
    options = {
        "parser": "lalr",
        "lexer": _GrammarLexer,
        "transformer": _ToSyntax(),
        "lexer_callbacks": {"COMMENT": _COMMENTS},
        "maybe_placeholders": False,
    }
    text = GRAMMAR.read_text(encoding="utf-8")
    digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    table = grammar_table(f"grammar-{digest}.lark")  # Lark pickles it: only in a folder no one else writes
    try:
        if table is not None:
            return Lark(text, cache=table, **options)
    except OSError:
        pass
    return Lark(text, **options)


def grammar(strict: bool = False) -> Lark:
    """The grammar as a plain Lark parser (trees, no transformer), for tools and tests."""
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic", propagate_positions=True, strict=strict
    )


def _lexer() -> _GrammarLexer:
    lexer = parser().parser.lexer
    return getattr(lexer, "lexer", lexer)


def parse(text: str, path: str, first_line: int = 1) -> Document:
    """Parse one file's text. Syntax errors become diagnostics; the rest of the file still parses.

    `first_line` numbers the text's lines from there (a chunk of a larger file)."""
    diagnostics: list[Diagnostic] = []
    broken = False
    lexer = _lexer()
    while True:
        _COMMENTS.items = []
        lexer.first_line = first_line
        try:
            stmts = parser().parse(text)
            break
        except UnexpectedInput as error:
            broken = True
            if first_line != 1:  # a chunk: the caller parses the whole file again for exact errors
                return Document(path, (), (), [], True)
            diagnostics.append(_syntax_diagnostic(error, text, path))
            last = len(diagnostics) >= MAX_SYNTAX_ERRORS_PER_FILE
            mended = _blank_broken_item(text, error, to_end=last)
            text = mended if mended != text else _blank_broken_item(text, error, to_end=True)
    comments = sorted(_COMMENTS.items, key=lambda c: (c.line, c.column))
    for stmt in stmts:
        if stmt.block is not None and stmt.block.depth > MAX_DEPTH:
            broken = True
            diagnostics.append(
                Diagnostic(
                    code=K001.code,
                    severity=Severity.error,
                    span=stmt.head.span(path),
                    message=f"blocks nested {stmt.block.depth} deep; kefu reads at most {MAX_DEPTH}",
                    help="no kefu statement nests more than three blocks: close the blocks sooner",
                )
            )
    return Document(path, stmts, tuple(comments), diagnostics, broken)


def _offset(text: str, line: int, column: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset + column - 1


def _blank_broken_item(text: str, error: UnexpectedInput, to_end: bool = False) -> str:
    """Blank out the top-level statement holding the error (or everything from it on), keeping
    every position of the rest."""
    line = getattr(error, "line", -1)
    column = getattr(error, "column", -1)
    if (isinstance(error, UnexpectedToken) and error.token.type == "$END") or line is None or line < 1:
        at = len(text) - 1
    else:
        at = _offset(text, line, column)
    start = _last_item_start(text, at)
    following = None if to_end else _ITEM_START.search(text, at + 1)
    # skip to the first item start on a later line than the error
    while following is not None and text.count("\n", at, following.start()) == 0 and following.start() > at:
        following = _ITEM_START.search(text, following.start() + 1)
    end = following.start() if following is not None else len(text)
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _last_item_start(text: str, at: int) -> int:
    start = 0
    for match in _ITEM_START.finditer(text, 0, at + 1):
        if match.start() <= at:
            start = match.start()
    return start


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


def _syntax_diagnostic(error: UnexpectedInput, text: str, path: str) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        at = _offset(text, error.line, error.column)
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
            return Diagnostic(
                code=K002.code,
                severity=Severity.error,
                span=span,
                message="unterminated string: no closing '\"' on this line",
                help="close the string with '\"' before the end of the line (write \\n for a line break)",
            )
        span = Span(file=path, line=error.line, column=error.column, end_line=error.line, end_column=error.column)
        return Diagnostic(
            code=K001.code,
            severity=Severity.error,
            span=span,
            message=f"unexpected character {text[at]!r}",
            help="remove it",
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    expected = sorted(_NAMES.get(name, name) for name in error.expected if not name.startswith("__"))
    if token.type == "$END":
        line, column = _end_position(text)
        opened = _unclosed_brace(text)
        span = Span(file=path, line=line, column=column, end_line=line, end_column=column)
        if opened is not None:
            return Diagnostic(
                code=K001.code,
                severity=Severity.error,
                span=span,
                message=f"the file ends inside the block opened at line {opened[0]}, column {opened[1]}",
                help="close the block with '}' on its own line",
                related=(Span(file=path, line=opened[0], column=opened[1], end_line=opened[0], end_column=opened[1]),),
            )
        return Diagnostic(
            code=K001.code,
            severity=Severity.error,
            span=span,
            message="unexpected end of file",
            help="complete the last statement",
        )
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
    return Diagnostic(code=K001.code, severity=Severity.error, span=span, message=message, help=help)


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    column = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, max(column, 1)


def _unclosed_brace(text: str) -> tuple[int, int] | None:
    """The `{` left open at the end of the text, found with the grammar's own lexer."""
    stack: list[tuple[int, int]] = []
    try:
        for token in grammar().lex(text):
            if token.type == "LBRACE":
                stack.append((token.line, token.column))
            elif token.type == "RBRACE" and stack:
                stack.pop()
    except UnexpectedInput:
        return stack[-1] if stack else None
    return stack[0] if stack else None
