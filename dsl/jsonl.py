"""JSON Lines as users give them to kefu (knowledge bases, labelled queries): one object a line,
blank lines skipped, and each bad line reported with its number instead of stopping the read."""

from __future__ import annotations

import json
from collections.abc import Iterator


def objects(text: str, problems: list[tuple[int, str]]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every good line; a bad one adds (line number, what is wrong)."""
    for number, line in enumerate(text.split("\n"), 1):  # not splitlines: JSON holds U+2028, U+0085 raw
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((number, f"not JSON: {exc.msg} at column {exc.colno}"))
            continue
        except RecursionError:
            problems.append((number, "not JSON: nested deeper than a reader can follow"))
            continue
        if not isinstance(row, dict):
            problems.append((number, "not a JSON object"))
            continue
        if not _is_text(row):
            problems.append((number, "not text: a lone surrogate escape such as \\udcff is not a character"))
            continue
        yield number, row


def _is_text(row: dict) -> bool:
    """Every string in `row` can be written as UTF-8 (JSON's \\uXXXX escapes can name half a pair)."""
    try:
        json.dumps(row, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
