"""A file's parse result as cache data: `FileItems` to JSON bytes and back, every field validated.

The shape comes from `FileItems`' own type annotations (a pydantic `TypeAdapter`), so a field added
to the builder's result is stored without a change here; tests/dsl/test_cache.py checks that every
fixture and demo file reads back equal. Reading builds only kefu's own models and dataclasses from
plain JSON values: nothing in an entry can name a class or a function, so nothing in it can run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from kefu.dsl.build import FileItems
from kefu.dsl.chunks import no_gc
from kefu.engine.diagnostics import Diagnostic


@dataclass(slots=True)
class _Stored:
    """The stored form: `FileItems` declares its diagnostics as a bare list, so they travel beside it."""

    items: FileItems
    diagnostics: list[Diagnostic]


@lru_cache(maxsize=1)
def _adapter() -> TypeAdapter[_Stored]:
    return TypeAdapter(_Stored)


def encode(items: FileItems) -> bytes:
    """`items` as JSON bytes (spans, entries and diagnostics included)."""
    return _adapter().dump_json(_Stored(dataclasses.replace(items, diagnostics=[]), list(items.diagnostics)))


def decode(data: bytes) -> FileItems | None:
    """The `FileItems` that `encode` wrote, or None when `data` is not exactly such an entry."""
    try:
        with no_gc():  # ~100k objects that all live on: collecting meanwhile only costs time (2x, measured)
            stored = _adapter().validate_json(data)
    except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
        return None
    items = stored.items
    items.diagnostics = stored.diagnostics
    _tuples_in_untyped_slots(items)
    return items


def _tuples_in_untyped_slots(items: FileItems) -> None:
    """Setting values are typed `Any` (a string, a number, a switch or a tuple of words); JSON has
    no tuple, so a list read back there was a tuple when it was written."""
    drafts = [items.policy, *items.more_policy, *(period.policy for period in items.periods)]
    for draft in drafts:
        for fields in (draft.assist, draft.bot, draft.matching):
            for key, (value, where) in fields.items():
                if isinstance(value, list):
                    fields[key] = (_tuple(value), where)
    for override in items.overrides:
        for key, value in override.fields.items():
            if isinstance(value, list):
                override.fields[key] = _tuple(value)


def _tuple(value: list[Any]) -> tuple[Any, ...]:
    return tuple(_tuple(v) if isinstance(v, list) else v for v in value)
