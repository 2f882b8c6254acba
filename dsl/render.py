"""Diagnostics as text (rustc/ruff style), JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported only to type: a clean cached `kefu check` renders without pydantic
    from kefu.engine.diagnostics import Diagnostic

SourceLines = Callable[[str], list[str] | None]


MAX_SOURCE_BYTES = 64 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
        return file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def _printable(line: str) -> str:
    """Control characters (a terminal's escape sequences among them) shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", line.replace("\t", " "))


def display_width(text: str) -> int:
    """Display cells: CJK characters take two, so the caret lands under the right spot."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def text(diagnostic: Diagnostic, lines: list[str] | None) -> str:
    span = diagnostic.span
    out = [
        f"{span.file}:{span.line}:{span.column}: {diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"
    ]
    if lines is not None and 1 <= span.line <= len(lines) and diagnostic.code not in no_source_line():
        source = _printable(lines[span.line - 1])
        number = str(span.line)
        pad = " " * len(number)
        if len(source) > 200:  # a huge line: show the part around the spot
            start = max(span.column - 60, 0)
            source, column = source[start : start + 160], span.column - start
        else:
            column = span.column
        end = span.end_column if span.end_line == span.line and span.end_column >= span.column else column
        end = min(end, len(source)) if column <= len(source) else column
        length = max(display_width(source[column - 1 : end]) if column <= len(source) else 1, 1)
        out.append(f"{pad} |")
        out.append(f"{number} | {source}")
        out.append(f"{pad} | {' ' * display_width(source[: column - 1])}{'^' * length}")
    for related in diagnostic.related:
        out.append(f"  = note: see also {related.file}:{related.line}:{related.column}")
    if diagnostic.help:
        out.append(f"  = help: {diagnostic.help}")
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
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    """One workflow command per finding: ::error file=...,line=...,col=...,title=K012::message"""
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
