"""The canonical form of a rule file: `kefu fmt`.

One statement per line, four spaces per block level, `{` on the statement's line and `}` on its
own, one space between arguments, `a, b` for lists, at most one blank line kept where the author
left one, every comment kept where it was (a comment inside a multi-line list moves above its
statement). The BOM and the line-end style (LF or CRLF) of the input are kept.

The result is parsed again and compared with the input before anyone may write it: formatting
never changes meaning, and formatting twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.dsl.codes import K006
from kefu.dsl.render import display_width
from kefu.dsl.source import decode, file_error
from kefu.dsl.syntax import Atom, Comment, Document, Stmt, parse
from kefu.engine.diagnostics import Diagnostic

INDENT = "    "
WIDTH = 100  # a list longer than this wraps after its commas
TRAILING = "  "  # before a comment that ends a line


class FormatError(Exception):
    """The formatter's own output failed its re-parse check: a bug in kefu, never written out."""


@dataclass(frozen=True)
class Formatted:
    text: str | None  # None when the file has syntax errors
    diagnostics: list[Diagnostic]
    changed: bool


def _atoms(atoms: tuple[Atom, ...], depth: int) -> str:
    """One statement's words; a comma list too wide for one line wraps, filling each line."""
    pieces: list[str] = []  # list items, each with its trailing comma
    current = ""
    for atom in atoms:
        if atom.kind == "comma":
            pieces.append(current + ",")
            current = ""
        else:
            current = f"{current} {atom.raw}" if current else atom.raw
    pieces.append(current)
    indent = INDENT * depth
    if len(pieces) > 1 and not pieces[-1]:  # a list ending in ',' (an error kefu check reports)
        pieces = pieces[:-1]
    flat = indent + " ".join(pieces)
    if len(pieces) == 1 or display_width(flat) <= WIDTH:
        return flat
    lines = [indent + pieces[0]]
    for piece in pieces[1:]:
        if display_width(lines[-1] + " " + piece) <= WIDTH:
            lines[-1] += " " + piece
        else:
            lines.append(indent + INDENT + piece)
    return "\n".join(lines)


class _Printer:
    def __init__(self, comments: tuple[Comment, ...]) -> None:
        self.comments = list(comments)
        self.next = 0  # index of the first comment not yet printed
        self.lines: list[str] = []
        self.last_source_line = 0  # last source line of the element printed before, at this level

    def _take_before(self, line: int) -> list[Comment]:
        taken = []
        while self.next < len(self.comments) and self.comments[self.next].line < line:
            taken.append(self.comments[self.next])
            self.next += 1
        return taken

    def _take_on(self, line: int, after_column: int) -> Comment | None:
        if self.next < len(self.comments):
            comment = self.comments[self.next]
            if comment.line == line and comment.column > after_column:
                self.next += 1
                return comment
        return None

    def _blank(self, first_line: int, previous: int | None) -> None:
        if previous is not None and first_line > previous + 1 and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def _own_line_comments(self, comments: list[Comment], depth: int, previous: int | None) -> int | None:
        for comment in comments:
            self._blank(comment.line, previous)
            self.lines.append(INDENT * depth + comment.text)
            previous = comment.line
        return previous

    def block(self, stmts: tuple[Stmt, ...], depth: int, close_line: int | None) -> int | None:
        """Print statements at `depth`; returns the source line of the last thing printed."""
        previous: int | None = None  # None: no blank line before the first thing (right after '{')
        for index, stmt in enumerate(stmts):
            previous = self._own_line_comments(self._take_before(stmt.line), depth, previous)
            header_end = stmt.block.line if stmt.block is not None else stmt.end_line
            inner = self._take_before(header_end)  # comments inside a multi-line list: above the statement
            previous = self._own_line_comments(inner, depth, previous)
            self._blank(stmt.line, previous)
            line = _atoms((stmt.head,) + stmt.args, depth)
            if stmt.block is None:
                shares_line = (
                    index + 1 < len(stmts) and stmts[index + 1].line == stmt.end_line
                ) or close_line == stmt.end_line
                last = stmt.args[-1] if stmt.args else stmt.head
                trailing = None if shares_line else self._take_on(stmt.end_line, last.end_column)
                if last.kind == "comma" and index + 1 < len(stmts):
                    line += ";"  # a ',' ending a line would continue the list into the next statement
                self.lines.append(line + (TRAILING + trailing.text if trailing else ""))
                previous = stmt.end_line
                continue
            block = stmt.block
            one_line = block.line == block.end_line
            trailing = None if one_line else self._take_on(block.line, block.column)
            if not block.stmts and trailing is None and not self._has_comment_before(block.end_line):
                closing = self._take_on(block.end_line, block.end_column)
                self.lines.append(line + " {}" + (TRAILING + closing.text if closing else ""))
                previous = block.end_line
                continue
            self.lines.append(line + " {" + (TRAILING + trailing.text if trailing else ""))
            last_inner = self.block(block.stmts, depth + 1, block.end_line)
            tail = self._take_before(block.end_line)
            self._own_line_comments(tail, depth + 1, last_inner)
            closing = self._take_on(block.end_line, block.end_column)
            self.lines.append(INDENT * depth + "}" + (TRAILING + closing.text if closing else ""))
            previous = block.end_line
        return previous

    def _has_comment_before(self, line: int) -> bool:
        return self.next < len(self.comments) and self.comments[self.next].line < line

    def document(self, document: Document) -> str:
        self.block(document.stmts, 0, None)
        rest = self.comments[self.next :]
        previous = document.stmts[-1].end_line if document.stmts else None
        self._own_line_comments(rest, 0, previous)
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n" if self.lines else ""


def format_document(document: Document) -> str:
    return _Printer(document.comments).document(document)


def shape(document: Document) -> tuple:
    """What a document says, positions aside: statements, arguments, blocks and comment texts."""

    def stmt_shape(stmt: Stmt) -> tuple:
        return (
            (stmt.head.kind, stmt.head.value),
            tuple((a.kind, a.value) for a in stmt.args),
            None if stmt.block is None else tuple(stmt_shape(s) for s in stmt.block.stmts),
        )

    return tuple(stmt_shape(s) for s in document.stmts), tuple(sorted(c.text for c in document.comments))


def format_bytes(data: bytes, path: str) -> Formatted:
    """Format a file's bytes. Syntax errors leave the file alone and are returned as diagnostics."""
    source, diagnostics = decode(data, path)
    if source is None or diagnostics:
        return Formatted(None, diagnostics, False)
    document = parse(source.text, path)
    if document.diagnostics:
        return Formatted(None, document.diagnostics, False)
    if not document.stmts and not document.comments:
        return Formatted(
            None,
            [file_error(K006, path, "this file holds no statements", "write its statements, or delete the file")],
            False,
        )
    body = format_document(document)
    again = parse(body, path)
    if again.diagnostics or shape(again) != shape(document):
        raise FormatError(f"formatting {path} would change its meaning")
    if format_document(again) != body:
        raise FormatError(f"formatting {path} is not stable")
    original = data.decode("utf-8-sig")
    crlf = "\r\n" in original and original.count("\r\n") >= original.count("\n") / 2
    bom = data.startswith(b"\xef\xbb\xbf")
    text = ("\ufeff" if bom else "") + (body.replace("\n", "\r\n") if crlf else body)
    return Formatted(text, [], text.encode("utf-8") != data)
