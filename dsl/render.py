"""Diagnostics as text (rustc/ruff style), JSON, or GitHub Actions annotations.

Text and annotations show control and invisible characters of file names, messages and source lines
as escapes (`kefu.dsl.visible`), the carets under what is printed; JSON keeps every text exact."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from kefu.dsl.visible import visible

if TYPE_CHECKING:  # imported only to type: a clean cached `kefu check` renders without pydantic
    from kefu.engine.diagnostics import Diagnostic

SourceLines = Callable[[str], list[str] | None]


MAX_SOURCE_BYTES = 64 * 1024 * 1024


@lru_cache(maxsize=1)
def no_source_line() -> frozenset[str]:
    """Codes of file-level findings, whose file's text is not shown."""
    from kefu.dsl.codes import K004, K005, K007

    return frozenset({K004.code, K005.code, K007.code})


def file_lines(path: str) -> list[str] | None:
    try:
        file = Path(path)
        if file.stat().st_size > MAX_SOURCE_BYTES:
            return None
        return source_lines(file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def source_lines(text: str) -> list[str]:
    """A file's lines as the parser numbers them: split at LF only (a CR before it dropped). Python's
    `splitlines` also splits at U+2028, U+0085, form feeds and more, which would show the wrong line."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def display_width(text: str) -> int:
    """Display cells: CJK characters take two, so the caret lands under the right spot."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def text(diagnostic: Diagnostic, lines: list[str] | None) -> str:
    span = diagnostic.span
    out = [
        visible(
            f"{span.file}:{span.line}:{span.column}: {diagnostic.severity.value}[{diagnostic.code}]: "
            f"{diagnostic.message}"
        )
    ]
    if lines is not None and 1 <= span.line <= len(lines) and diagnostic.code not in no_source_line():
        source = lines[span.line - 1].replace("\t", " ")
        number = str(span.line)
        pad = " " * len(number)
        if len(source) > 200:  # a huge line: show the part around the spot
            start = max(span.column - 60, 0)
            source, column = source[start : start + 160], span.column - start
        else:
            column = span.column
        end = span.end_column if span.end_line == span.line and span.end_column >= span.column else column
        end = min(end, len(source)) if column <= len(source) else column
        # control and invisible characters as escapes; the carets measured on what is printed
        length = max(display_width(visible(source[column - 1 : end])) if column <= len(source) else 1, 1)
        out.append(f"{pad} |")
        out.append(f"{number} | {visible(source)}")
        out.append(f"{pad} | {' ' * display_width(visible(source[: column - 1]))}{'^' * length}")
    for related in diagnostic.related:
        out.append(visible(f"  = note: see also {related.file}:{related.line}:{related.column}"))
    if diagnostic.help:
        out.append(visible(f"  = help: {diagnostic.help}"))
    return "\n".join(out)


def render_text(diagnostics: Iterable[Diagnostic], lines_of: SourceLines = file_lines) -> str:
    cache: dict[str, list[str] | None] = {}
    blocks = []
    for diagnostic in diagnostics:
        name = diagnostic.span.file
        if name not in cache and diagnostic.code not in no_source_line():
            cache[name] = lines_of(name)
        blocks.append(text(diagnostic, cache.get(name)))
    return "\n\n".join(blocks)


def to_json(diagnostic: Diagnostic) -> dict:
    span = diagnostic.span
    return {
        "path": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "help": diagnostic.help,
        "related": [{"path": r.file, "line": r.line, "column": r.column} for r in diagnostic.related],
    }


def render_json(diagnostics: Iterable[Diagnostic], **extra: object) -> str:
    return json.dumps({"diagnostics": [to_json(d) for d in diagnostics], **extra}, ensure_ascii=False, indent=2)


def _escape_data(value: str) -> str:
    """A workflow command's message: control characters as escapes (`visible`), then the runner's own
    escaping of `%`, CR and LF (as @actions/core's escapeData does: `%` first, so `%0A` stays text)."""
    return visible(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    """A property value (file=..., title=...): the message's escaping, and `:` and `,` (escapeProperty)."""
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    """One workflow command per finding: ::error file=...,line=...,col=...,title=K012::message

    A file name holding a control character is written with its escape, like every text kefu prints
    for a human: no annotation can carry a terminal's escape sequence into the log."""
    rows = []
    for d in diagnostics:
        span = d.span
        props = (
            f"file={_escape_property(span.file)},line={span.line},col={span.column},"
            f"endLine={span.end_line},endColumn={span.end_column},title={_escape_property(d.code)}"
        )
        message = d.message + (f" (help: {d.help})" if d.help else "")
        rows.append(f"::{d.severity.value} {props}::{_escape_data(message)}")
    return "\n".join(rows)
