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
from kefu.dsl.overlay import overlay_bytes
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
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded rule file: `text` is what the parser reads (full-width slips already mended)."""

    path: str
    text: str
    digest: str


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_file(path: Path, display: str) -> tuple[SourceText | None, list[Diagnostic]]:
    """Read and decode `path` (or the text `overlaid` gives for it); `display` is the name diagnostics use."""
    given = overlay_bytes(path)
    if given is not None:
        return decode(given, display)
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


def _utf16(data: bytes) -> str | None:
    """UTF-16LE or UTF-16BE when `data` looks like it: a byte order mark, or (without one) NUL bytes
    on one side of at least a quarter of the first 32 characters (UTF-16 writes ASCII as a byte and
    a NUL) and four times fewer on the other (binary data has them on both sides alike)."""
    if data.startswith(b"\xff\xfe"):
        return "UTF-16LE"
    if data.startswith(b"\xfe\xff"):
        return "UTF-16BE"
    head = data[:64]
    if len(head) >= 32:  # shorter, a NUL or two says little
        head = head[: len(head) // 2 * 2]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        quarter = len(head) // 8
        if odd >= quarter and even * 4 <= odd:
            return "UTF-16LE"
        if even >= quarter and odd * 4 <= even:
            return "UTF-16BE"
    return None


def decode(data: bytes, display: str) -> tuple[SourceText | None, list[Diagnostic]]:
    """Bytes to text: UTF-8 with or without BOM; binary, non-UTF-8 and empty input get one diagnostic."""
    digest = digest_of(data)
    utf16 = _utf16(data)
    if utf16 is not None:
        return None, [
            file_error(
                K004,
                display,
                f"this file is {utf16} text, not UTF-8",
                f"convert it to UTF-8: iconv -f {utf16} -t UTF-8 FILE > FILE.new, or save it as UTF-8",
            )
        ]
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
    control = CONTROL_RE.search(text)
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


_QUOTE_TWINS = "".join(ch for ch, (twin, _) in FULL_WIDTH.items() if twin == '"')
# what outside strings and comments is skipped at C speed: ASCII strings, comments, and runs of
# anything else that is not a full-width character, a quote or '#'
_OUTSIDE = re.compile(r'"(?:[^"\\\n]|\\[\s\S])*["\n]?|#[^\n]*|[^"#' + "".join(map(re.escape, FULL_WIDTH)) + "]+")
# the body of a string opened by a full-width quote: it ends at '"', a line end or a full-width quote
_CURLY_BODY = re.compile(r'(?:[^"\\\n' + re.escape(_QUOTE_TWINS) + r"]|\\[\s\S])*")


def mend_full_width(text: str, display: str) -> tuple[str, list[Diagnostic]]:
    """Report full-width punctuation outside strings and comments (K003) and read it as ASCII.

    Strings, comments and plain text are skipped with regular expressions (a 10k-entry shop whose
    strings are full of full-width commas is read in milliseconds, not seconds)."""
    if not any(ch in text for ch in FULL_WIDTH):
        return text, []
    diagnostics: list[Diagnostic] = []
    mended: list[tuple[int, str]] = []  # (offset, ASCII twin)
    position, end = 0, len(text)
    counted, line = 0, 1  # the line of offset `counted`, so each finding counts only the lines since the last

    def report(offset: int) -> None:
        nonlocal counted, line
        line += text.count("\n", counted, offset)
        counted = offset
        diagnostics.append(_full_width(text, offset, display, line))

    while position < end:
        found = _OUTSIDE.match(text, position)
        if found is not None:
            position = found.end()
            continue
        ch = text[position]  # a full-width character outside strings and comments
        report(position)
        twin = FULL_WIDTH[ch][0]
        mended.append((position, twin))
        position += 1
        if twin == "#":
            stop = text.find("\n", position)
            position = end if stop < 0 else stop
        elif twin == '"':  # “text” typed by an input method: a string that a full-width quote may close
            position = _CURLY_BODY.match(text, position).end()  # type: ignore[union-attr]
            if position < end:
                if text[position] in _QUOTE_TWINS:
                    report(position)
                    mended.append((position, '"'))
                position += 1
    if not mended:
        return text, diagnostics
    pieces, last = [], 0
    for offset, twin in mended:
        pieces += [text[last:offset], twin]
        last = offset + 1
    pieces.append(text[last:])
    return "".join(pieces), diagnostics


def _full_width(text: str, index: int, display: str, line: int | None = None) -> Diagnostic:
    ch = text[index]
    twin, name = FULL_WIDTH[ch]
    shown = "a space" if twin == " " else f"'{twin}'"
    return K003.at(
        span_at(text, index, display, line=line),
        f"{name} '{ch}' where the syntax wants {shown}",
        f"write {shown} instead of '{ch}' (inside a string it would be fine)",
    )


def span_at(text: str, offset: int, display: str, length: int = 1, line: int | None = None) -> Span:
    """The span of `length` characters at `offset` (`line`: the offset's line, when the caller knows it)."""
    if line is None:
        line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(file=display, line=line, column=column, end_line=line, end_column=column + max(length, 1) - 1)


def file_error(code: Code, display: str, message: str, help: str) -> Diagnostic:
    return code.at(Span(file=display, line=1, column=1, end_line=1, end_column=1), message, help)
