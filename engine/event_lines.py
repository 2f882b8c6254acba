"""Reading events from JSON Lines as `kefu simulate` takes them: each line becomes an event, or one
short phrase saying what is wrong with it, with its number and its text as read (what the store
keeps as the event's body). Nothing is printed or raised for a bad line: the caller decides whether
to stop or go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

    from kefu.engine.events import Event

MAX_LINE = 1 << 20  # bytes; a longer line is refused, not read into memory whole
NESTED = "nested deeper than a reader can follow"
NAME_WIDTH = 40  # characters of a name from the line (a field, a type) that a message repeats


def read_events(source: IO[bytes]) -> Iterator[tuple[int, Event | str, str]]:
    """(line number, event or what is wrong, the line as read); blank lines are skipped."""
    from pydantic import TypeAdapter, ValidationError

    from kefu.engine.events import Event

    adapter = TypeAdapter(Event)
    number = 0
    while True:
        raw = source.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                raw = source.readline(MAX_LINE)
            yield number, f"line longer than {MAX_LINE // (1 << 20)} MiB", ""
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            yield number, f"not UTF-8 text (byte {error.start + 1})", ""
            continue
        try:
            event = adapter.validate_json(text, strict=True)  # as docs/events.md says: no coercion
        except ValidationError as error:
            yield number, describe(error, text), text
            continue
        yield number, event, text.strip()


def describe(error: ValidationError, text: str) -> str:
    """The first problem of a line, in a few words: `customer_message.text: field required`."""
    first = error.errors(include_url=False)[0]
    kind = first["type"]
    if kind == "json_invalid":
        try:
            json.loads(text.strip())
        except json.JSONDecodeError as decode:
            return f"not JSON: {decode.msg} (column {decode.colno})"
        except RecursionError:
            return f"not JSON: {NESTED}"
        # what Python's reader takes but an event may not hold, e.g. a lone surrogate escape (\udcff)
        detail = str(first["msg"]).removeprefix("Invalid JSON: ")
        return f"not JSON: {detail}"
    if kind in ("union_tag_not_found", "model_attributes_type", "model_type"):
        return 'not an event: expected an object with "type" (see kefu schema events)'
    if kind == "union_tag_invalid":
        return (
            f"unknown event type {shown(first['input'].get('type'))} (see docs/events.md)"
            if isinstance(first.get("input"), dict)
            else "unknown event type"
        )
    where = ".".join(shown(part, quoted=False) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if not where:
        return 'not an event: expected a JSON object with "type" (see kefu schema events)'
    if kind == "missing":
        message = "required"
    elif kind == "extra_forbidden":
        message = "not a field of this event"
    return f"{where}: {message[:1].lower() + message[1:]}"


def shown(value: object, quoted: bool = True) -> str:
    """A name taken from the line, as a message may repeat it: on one line, control and invisible
    characters escaped (a field named "\\x1b[2K\\rmia" must not redraw the terminal), at most
    `NAME_WIDTH` characters. `quoted`: always in quotes (else only when it needed escaping)."""
    text = value if isinstance(value, str) else repr(value)
    cut = text[:NAME_WIDTH] + ("…" if len(text) > NAME_WIDTH else "")
    if not isinstance(value, str):
        return cut  # a repr: printable already
    return repr(cut) if quoted or not cut.isprintable() else cut
