"""Text from outside made safe to print: control and invisible characters written as escapes.

Customer messages, names, shop ids, rule text and file names reach kefu's human output. Printed as
they are, a newline in an actor's name forges a row of `kefu audit`, `x\\x1b[2K\\rmia` erases itself
on a terminal and shows `mia`, U+202E turns the rest of a line around and U+200B hides inside a
name. Every human output passes such text through `visible` (a name through `shown_name`, which also
shows how it differs from a staff name it looks like); JSON output keeps the text exact.

The convention: each such character prints as the escape Python writes for it: `\\n`, `\\r`, `\\t`,
`\\x1b`, `\\x9b`, `\\u200b`, `\\u2028`, `\\U000e0001`. Escapes, not Unicode's control pictures (␛): the
pictures exist for C0 only (nothing for C1, line separators, zero-width or bidirectional marks),
many fonts lack them, and they are ordinary characters anyone can type. An escape is plain ASCII,
names the code point, and reads the same in the terminal, in a log and in a bug report (the issue
itself writes `ken\\u200b`). A backslash prints as itself, so `visible` is idempotent: applying it
to a line it already made changes nothing, and a line made of several texts can be passed through
it whole. The escapes are for reading; `--json` gives the exact text.

Which characters (the `_INVISIBLE` class, checked against `unicodedata` by the tests): the Unicode
categories Cc (C0, DEL, C1), Cf (format: zero-width space and joiners, bidirectional marks,
embeddings, overrides and isolates, the byte order mark, soft hyphen, tags ...), Zl and Zp (U+2028,
U+2029) and Cs (lone surrogates, which cannot even be written as UTF-8). A name (`visible_name`)
also escapes every space but U+0020 and every default-ignorable code point (Hangul fillers,
variation selectors, the combining grapheme joiner): in a name they only make it look like another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Unicode 14 (Python 3.11's unicodedata): categories Cc, Cf, Cs, Zl, Zp
_INVISIBLE = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Default_Ignorable_Code_Point (DerivedCoreProperties.txt) beyond the class above
_IGNORABLE = (
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2065\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8\U000e0000-\U000e0fff"
)
# spaces other than U+0020 (str.isspace, less the control characters above)
_SPACES = "\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"

INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
NAME_HIDDEN_RE = re.compile(f"[{_INVISIBLE}{_IGNORABLE}{_SPACES}]")
SPACES_RE = re.compile(f"[ {_SPACES}]+")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(char: str) -> str:
    """One character as Python writes it in a string literal: `\\n`, `\\x1b`, `\\u200b`, `\\U000e0001`."""
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escaped(match: re.Match[str]) -> str:
    return escape(match.group())


def visible(text: str) -> str:
    """`text` with every control, format and separator character written as its escape: what a human
    output prints of a text from outside. Text without one is returned as it is (one regex search)."""
    if INVISIBLE_RE.search(text) is None:
        return text
    return INVISIBLE_RE.sub(_escaped, text)


def flattened(text: str) -> str:
    """A message on one readable line: runs of spaces (U+0020 and the other spaces, such as U+3000)
    as one space, none at the ends; line breaks, tabs and every other control character as escapes."""
    return visible(SPACES_RE.sub(" ", text).strip(" "))


def clipped(text: str, width: int) -> str:
    """`flattened(text)` cut to about `width` characters with `…`, never inside an escape."""
    flat = SPACES_RE.sub(" ", text).strip(" ")
    if len(flat) <= width and INVISIBLE_RE.search(flat) is None:
        return flat
    shown = visible(flat)
    if len(shown) <= width:
        return shown
    pieces: list[str] = []
    used = 0
    for char in flat:
        piece = escape(char) if INVISIBLE_RE.match(char) else char
        if used + len(piece) > width - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + "…"


def visible_name(name: str) -> str:
    """A name with controls, invisible characters and every space but U+0020 written as escapes."""
    if NAME_HIDDEN_RE.search(name) is None:
        return name
    return NAME_HIDDEN_RE.sub(_escaped, name)


@lru_cache(maxsize=4096)  # the same few names, on every line of a long run
def name_key(name: str) -> str:
    """What a name looks like: width folded (NFKC), invisible characters and spaces removed.
    Two names with one key look alike on a screen; `mia`, `mia `, `ｍｉａ` and `mi\\u200ba` share one."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(NAME_HIDDEN_RE.sub("", folded).split())


def look_alike(name: str, staff: Iterable[str]) -> str | None:
    """The staff name `name` differs from only by spaces, width or invisible characters; None when
    `name` is a staff name itself or looks like none."""
    names = staff if isinstance(staff, (set, frozenset, dict)) else set(staff)
    if name in names:
        return None
    key = name_key(name)
    if not key:
        return None
    return next((member for member in sorted(names) if name_key(member) == key), None)


def shown_name(name: str, staff: Iterable[str] = ()) -> str:
    """A name as human output prints it: bare when it is one plain word (`mia`), else quoted with its
    escapes (`"mia "`, `"ken\\u200b"`, `"x\\x1b[2K\\rmia"`, `""`); a name that only looks like a staff
    name says so: `"ｍｉａ" (not staff 'mia')`."""
    shown = visible_name(name)
    like = look_alike(name, staff)
    if like is None and shown == name and name and " " not in name and '"' not in name:
        return name
    return f'"{shown}"' + (f" (not staff '{visible_name(like)}')" if like is not None else "")
