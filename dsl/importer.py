"""`kefu import`: a knowledge base from JSON Lines or CSV into a formatted shop file.

JSON Lines: one object a line, `{"id": ..., "asks": [...], "reply": ...}`. CSV: a header row with
columns `id`, `ask` and `reply`; one row per ask, rows of one id joined in order. Every id is kept
exactly (quoted when it is not a plain dotted name). An entry needs a reply with some text: from its
rows, or the one reply given for every entry without one (`kefu import --reply`). A bad row or entry
is reported with its line number and what is wrong; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kefu.dsl.jsonl import objects
from kefu.dsl.rules.matching.duplicate_ask import ask_key
from kefu.dsl.source import CONTROL_RE
from kefu.dsl.syntax import quote
from kefu.dsl.values import ID_RE, has_text

MAX_FIELD = 128 * 1024  # characters in one CSV field: longer is no ask or reply, but a broken file

_SHOP_ID = re.compile(r"[^\w-]+")


@dataclass
class ImportedEntry:
    id: str
    asks: list[str] = field(default_factory=list)
    reply: str | None = None
    line: int = 0


@dataclass
class ImportResult:
    text: str
    entries: int
    asks: int
    problems: list[tuple[int, str]]  # (line number, what is wrong)


def read_rows(data: str, kind: str) -> tuple[list[ImportedEntry], list[tuple[int, str]]]:
    """Entries in input order, and the problems of each bad row."""
    return _jsonl(data) if kind == "jsonl" else _csv(data)


def _jsonl(data: str) -> tuple[list[ImportedEntry], list[tuple[int, str]]]:
    entries: dict[str, ImportedEntry] = {}
    problems: list[tuple[int, str]] = []
    for number, row in objects(data, problems):
        ident, asks, reply = row.get("id"), row.get("asks"), row.get("reply")
        if not isinstance(ident, (str, int)) or not str(ident).strip():
            problems.append((number, "no id (a non-empty string)"))
            continue
        if not isinstance(asks, list) or not asks or not all(isinstance(a, str) for a in asks):
            problems.append((number, f"entry {ident!r}: 'asks' must be a non-empty list of strings"))
            continue
        if reply is not None and not isinstance(reply, str):
            problems.append((number, f"entry {ident!r}: 'reply' must be a string"))
            continue
        _add(entries, str(ident), asks, reply, number, problems)
    return list(entries.values()), problems


def _csv(data: str) -> tuple[list[ImportedEntry], list[tuple[int, str]]]:
    entries: dict[str, ImportedEntry] = {}
    problems: list[tuple[int, str]] = []
    reader = csv.DictReader(io.StringIO(data))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    if "id" not in columns or "ask" not in columns:
        return [], [
            (1, f"the header must name the columns id and ask (and optionally reply); found {columns or 'nothing'}")
        ]
    reader.fieldnames = columns
    for number, row in _rows(reader):
        if None in row:
            problems.append((number, "more fields than the header names"))
            continue
        longest = max((len(value) for value in row.values() if isinstance(value, str)), default=0)
        if longest > MAX_FIELD:
            problems.append((number, f"a field of {longest:,} characters (at most {MAX_FIELD:,})"))
            continue
        ident, ask, reply = (row.get("id") or "").strip(), row.get("ask") or "", row.get("reply")
        if not ident:
            problems.append((number, "no id"))
            continue
        if not ask.strip():
            problems.append((number, f"entry {ident!r}: empty ask"))
            continue
        _add(entries, ident, [ask], reply or None, number, problems)
    return list(entries.values()), problems


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row); csv's own limit on a field's size is lifted while reading, so a long
    field is reported with its row instead of ending the read."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))
    try:
        for row in reader:
            yield reader.line_num, row
    finally:
        csv.field_size_limit(limit)


def _control(ident: str, asks: list[str], reply: str | None) -> str | None:
    """What is wrong when the row holds a character a rule file may not (ESC, NUL, ...)."""
    for what, text in [("id", ident), *(("ask", ask) for ask in asks), ("reply", reply or "")]:
        found = CONTROL_RE.search(text)
        if found is not None:
            return f"a control character U+{ord(found.group()):04X} in its {what}; a rule file holds text only"
    return None


def _add(
    entries: dict[str, ImportedEntry],
    ident: str,
    asks: list[str],
    reply: str | None,
    number: int,
    problems: list[tuple[int, str]],
) -> None:
    control = _control(ident, asks, reply)
    if control is not None:
        problems.append((number, f"entry {ident!r}: {control}"))
        return
    entry = entries.setdefault(ident, ImportedEntry(id=ident, line=number))
    for ask in asks:
        if "\n" in ask.strip() or not ask.strip():
            problems.append((number, f"entry {ident!r}: an ask must be one non-empty line"))
            continue
        entry.asks.append(ask.strip())
    if reply is not None and has_text(reply):
        if entry.reply is not None and entry.reply != reply:
            problems.append((number, f"entry {ident!r}: a second, different reply (the first is kept)"))
        else:
            entry.reply = reply


NO_REPLY = "no reply (an empty one is none); the entry is left out: give it one, or --reply TEXT for all such"


def render(
    entries: list[ImportedEntry],
    shop_id: str,
    source: str,
    problems: list[tuple[int, str]],
    default_reply: str | None = None,
) -> ImportResult:
    """The shop file: a header, an owner to fill in, and one faq per entry. An ask already under
    another entry (K021) is left out and reported; an entry without a reply takes `default_reply`,
    or is left out and reported when there is none."""
    shop = _SHOP_ID.sub("-", shop_id).strip("-") or "imported"
    if not ID_RE.match(shop):
        shop = "imported"
    lines = [
        f"# imported by kefu import from {source}",
        "",
        f"shop {shop} {quote(shop)} {{",
        "}",
        "",
        "staff {",
        "    owner owner  # the shop's owner: put the real name here",
        "}",
    ]
    seen: dict[str, str] = {}
    count = asks_written = 0
    for entry in entries:
        reply = entry.reply if entry.reply is not None else default_reply
        if reply is None:
            problems.append((entry.line, f"entry {entry.id!r}: {NO_REPLY}"))
            continue
        kept: list[str] = []
        for ask in entry.asks:
            key = ask_key(ask)
            if key in seen:
                if seen[key] != entry.id:
                    problems.append(
                        (entry.line, f"entry {entry.id!r}: the ask {ask!r} is already under {seen[key]!r}; left out")
                    )
                continue
            seen[key] = entry.id
            kept.append(ask)
        if not kept:
            problems.append((entry.line, f"entry {entry.id!r}: no ask left; the entry is left out"))
            continue
        ident = entry.id if ID_RE.match(entry.id) else quote(entry.id)
        lines += ["", f"faq {ident} {quote(kept[0])} {{"]
        lines += [f"    ask {quote(ask)}" for ask in kept]
        lines.append(f"    reply {quote(_literal_dollars(reply))}")
        lines.append("}")
        count += 1
        asks_written += len(kept)
    return ImportResult(text="\n".join(lines) + "\n", entries=count, asks=asks_written, problems=sorted(problems))


def _literal_dollars(reply: str) -> str:
    """An imported reply is text: '$' is written '$$' so it is never read as a placeholder."""
    return reply.replace("$", "$$")
