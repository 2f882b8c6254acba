"""The hand-written statement reader (dsl/statements.py) reads exactly the language of kefu.lark.

Lark's own parser of the grammar is the reference: on any text, both accept it or both refuse it at
the same token, and what they accept has the same statements, blocks and positions. The reader's
terminals are kefu.lark's, in the order Lark's lexer tries them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from kefu.dsl.statements import GRAMMAR, StatementReader, Stop, terminals, tokens
from kefu.dsl.syntax import grammar
from kefu.dsl.tree import Atom, Stmt

ROOT = Path(__file__).resolve().parents[2]
PROPERTY = settings(suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=1)
def lark() -> Lark:
    return grammar()


def test_terminals_are_the_grammars_in_lark_order() -> None:
    from lark.lexer import BasicLexer

    lexer = lark().parser.lexer
    basic = lexer if isinstance(lexer, BasicLexer) else lexer.lexer
    theirs = [(t.name, parsed(t.pattern.to_regexp())) for t in basic.terminals]
    ours = [(name, parsed(regex)) for name, regex in terminals(GRAMMAR.read_text(encoding="utf-8"))]
    assert ours == theirs


def parsed(regex: str) -> str:
    """A regex as Python's regex compiler reads it (Lark writes escapes such as \\t as the character)."""
    import re._parser

    return str(re._parser.parse(regex))


def read_all(text: str) -> list[Stmt] | Stop:
    reader = StatementReader(text)
    found: list[Stmt] = []
    while True:
        stmt = reader.statement()
        if stmt is None:
            return found
        if isinstance(stmt, Stop):
            return stmt
        found.append(stmt)


def atom_shape(atom: Atom) -> tuple:
    return (atom.raw, atom.line, atom.column, atom.end_line, atom.end_column)


def stmt_shape(stmt: Stmt) -> tuple:
    block = stmt.block
    inner = None
    if block is not None:
        inner = (tuple(stmt_shape(s) for s in block.stmts), block.line, block.column, block.end_line, block.end_column)
    return (atom_shape(stmt.head), tuple(atom_shape(a) if a.kind != "comma" else "," for a in stmt.args), inner)


def token_shape(token: Token) -> tuple:
    return (str(token), token.line, token.column, token.end_line, (token.end_column or 1) - 1)


def lark_stmt_shape(tree: Tree) -> tuple:
    children = list(tree.children)
    block = children.pop() if children and isinstance(children[-1], Tree) else None
    head, *args = children
    inner = None
    if block is not None:
        lbrace, *stmts, rbrace = block.children
        assert isinstance(lbrace, Token) and isinstance(rbrace, Token)
        inner = (
            tuple(lark_stmt_shape(s) for s in stmts if isinstance(s, Tree)),
            lbrace.line,
            lbrace.column,
            rbrace.line,
            rbrace.column,
        )
    return (
        token_shape(head),  # type: ignore[arg-type]
        tuple(token_shape(a) if a.type != "COMMA" else "," for a in args if isinstance(a, Token)),
        inner,
    )


def compare(text: str) -> None:
    """The reader and Lark agree on `text`: the same statements, or a stop at the same token."""
    ours = read_all(text)
    try:
        tree = lark().parse(text)
    except UnexpectedInput as error:
        note(f"lark: {error!r}")
        assert isinstance(ours, Stop), f"the reader accepted what Lark refuses: {error}"
        if isinstance(error, UnexpectedCharacters):
            assert (ours.kind, ours.line, ours.column) == ("", error.line, error.column)
        else:
            assert isinstance(error, UnexpectedToken)
            if error.token.type == "$END":
                assert ours.kind == "$END" and ours.open_brace is not None
            else:
                assert (ours.kind, ours.line, ours.column) == (error.token.type, error.line, error.column)
        return
    assert not isinstance(ours, Stop), f"the reader refused what Lark accepts: {ours}"
    assert [stmt_shape(s) for s in ours] == [lark_stmt_shape(s) for s in tree.children if isinstance(s, Tree)]


PIECES = [
    "faq",
    "ask",
    "x.y",
    "09:00-18:00",
    '"a b"',
    '"é\\"q"',
    '"',
    ",",
    ", # c\n   ",
    "{",
    "}",
    "\n",
    "\r\n",
    ";",
    " ",
    "\t",
    "# note",
    "\ufeff",
    "包郵",
    "\x0c",
    "\\",
]


@PROPERTY
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
@example('faq a "A" {\n    ask "x"\n    reply "y" }\n}\n')
@example("a {\n b {\n c\n }\n")
@example("staff { owner mia } bot\n")
@example("a\n, b\n")
@example("a ,\n  # c\n  b { }\n")
@example('a "unterminated\nb\n')
@example("{")
@example("a } b")
def test_reader_agrees_with_lark(text: str) -> None:
    compare(text)


@pytest.mark.parametrize("path", sorted((ROOT / "rules").rglob("*.kefu")), ids=lambda p: p.name)
def test_reader_agrees_with_lark_on_the_demo_shops(path: Path) -> None:
    compare(path.read_text(encoding="utf-8"))


def test_tokens_are_positioned_as_lark_positions_them() -> None:
    text = 'shop a "b" {\n    closed 1,  # c\n        2\n}\n'
    ours = [(t.kind, t.value, t.line, t.column, t.end_line, t.end_column) for t in tokens(text, 0, len(text), 1, 0)]
    theirs = [(t.type, str(t), t.line, t.column, t.end_line, t.end_column) for t in lark().lex(text)]
    assert ours == theirs


def test_reader_numbers_lines_from_the_first_line_it_is_given() -> None:
    reader = StatementReader("a b\nc {\n  d\n}\n", first_line=41)
    first, second = reader.statement(), reader.statement()
    assert isinstance(first, Stmt) and isinstance(second, Stmt)
    assert (first.line, second.line, second.end_line) == (41, 42, 44)
    assert reader.statement() is None
