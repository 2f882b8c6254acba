"""Reading a rule file: bytes to text, or one clear diagnostic saying why not.

Handles a BOM, CRLF, files that are not UTF-8, binary files, empty and huge files, and full-width
punctuation typed by a Chinese input method where the syntax wants ASCII (K003): each such character
is reported with its fix and read as its ASCII twin, so one slip does not hide every other finding.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kefu.dsl.codes import K003, K004, K005, K006, K007, Code
from kefu.engine.diagnostics import Diagnostic, Span

MAX_BYTES = 64 * 1024 * 1024

# full-width character -> (ASCII twin, name used in the message)
FULL_WIDTH: dict[str, tuple[str, str]] = {
    "\uff0c": (",", "full-width comma"),
    "\u3001": (",", "ideographic comma"),
    "\uff1b": (";", "full-width semicolon"),
    "\uff5b": ("{", "full-width left brace"),
    "\uff5d": ("}", "full-width right brace"),
    "\u201c": ('"', "left curly quote"),
    "\u201d": ('"', "right curly quote"),
    "\uff02": ('"', "full-width quote"),
    "\uff03": ("#", "full-width number sign"),
    "\uff1a": (":", "full-width colon"),
    "\uff1d": ("=", "full-width equals sign"),
    "\uff0d": ("-", "full-width hyphen"),
    "\u3000": (" ", "ideographic space"),
}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded rule file: `text` is what the parser reads (full-width slips already mended)."""

    path: str
    text: str
    digest: str


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_file(path: Path, display: str) -> tuple[SourceText | None, list[Diagnostic]]:
    """Read and decode `path`; `display` is the name diagnostics use."""
    try:
        if not path.is_file():
            what = "no such file" if not path.exists() else "not a regular file"
            return None, [file_error(K007, display, f"cannot read {display}: {what}", "check the path")]
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [
                file_error(
                    K007,
                    display,
                    f"{display} is {size // (1024 * 1024)} MiB, over the 64 MiB limit for one rule file",
                    "split the shop into several files",
                )
            ]
        data = path.read_bytes()
    except OSError as exc:
        return None, [
            file_error(
                K007, display, f"cannot read {display}: {exc.strerror or exc}", "check the path and its permissions"
            )
        ]
    return decode(data, display)


def decode(data: bytes, display: str) -> tuple[SourceText | None, list[Diagnostic]]:
    """Bytes to text: UTF-8 with or without BOM; binary, non-UTF-8 and empty input get one diagnostic."""
    digest = digest_of(data)
    if b"\x00" in data:
        return None, [
            file_error(
                K005,
                display,
                "this file holds binary data (NUL bytes), not rule text",
                "a .kefu file is UTF-8 text; check that it was not overwritten",
            )
        ]
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        line_start = body.rfind(b"\n", 0, exc.start) + 1
        column = len(body[line_start : exc.start].decode("utf-8", "replace")) + 1  # in characters, like every column
        span = Span(file=display, line=line, column=column, end_line=line, end_column=column)
        offset = exc.start + len(data) - len(body)
        return None, [
            K004.at(
                span,
                f"this file is not UTF-8: byte 0x{body[exc.start]:02x} at byte offset {offset}",
                "save the file as UTF-8 (for example: iconv -f BIG5 -t UTF-8)",
            )
        ]
    control = _CONTROL_RE.search(text)
    if control is not None:
        span = span_at(text, control.start(), display)
        return None, [
            K005.at(
                span,
                f"this file holds a control character U+{ord(control.group()):04X}; is it binary?",
                "a .kefu file is UTF-8 text; remove the character",
            )
        ]
    if not text.strip():
        return None, [file_error(K006, display, "this file is empty", "write its statements, or delete the file")]
    text, diagnostics = mend_full_width(text, display)
    return SourceText(path=display, text=text, digest=digest), diagnostics


def mend_full_width(text: str, display: str) -> tuple[str, list[Diagnostic]]:
    """Report full-width punctuation outside strings and comments (K003) and read it as ASCII."""
    if not any(ch in text for ch in FULL_WIDTH):
        return text, []
    chars = list(text)
    diagnostics: list[Diagnostic] = []
    in_string = in_comment = curly = False  # curly: the string was opened by a mended quote
    index = 0
    while index < len(chars):
        ch = chars[index]
        if in_comment:
            in_comment = ch != "\n"
        elif in_string:
            if ch == "\\":
                index += 1
            elif ch in ('"', "\n"):
                in_string = False
            elif curly and ch in FULL_WIDTH and FULL_WIDTH[ch][0] == '"':  # “text” typed by an input method
                diagnostics.append(_full_width(text, index, display))
                chars[index] = '"'
                in_string = False
        elif ch == '"':
            in_string, curly = True, False
        elif ch == "#":
            in_comment = True
        elif ch in FULL_WIDTH:
            diagnostics.append(_full_width(text, index, display))
            twin = chars[index] = FULL_WIDTH[ch][0]
            if twin == '"':
                in_string, curly = True, True
            elif twin == "#":
                in_comment = True
        index += 1
    return "".join(chars), diagnostics


def _full_width(text: str, index: int, display: str) -> Diagnostic:
    ch = text[index]
    twin, name = FULL_WIDTH[ch]
    shown = "a space" if twin == " " else f"'{twin}'"
    return K003.at(
        span_at(text, index, display),
        f"{name} '{ch}' where the syntax wants {shown}",
        f"write {shown} instead of '{ch}' (inside a string it would be fine)",
    )


def span_at(text: str, offset: int, display: str, length: int = 1) -> Span:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(file=display, line=line, column=column, end_line=line, end_column=column + max(length, 1) - 1)


def file_error(code: Code, display: str, message: str, help: str) -> Diagnostic:
    return code.at(Span(file=display, line=1, column=1, end_line=1, end_column=1), message, help)
